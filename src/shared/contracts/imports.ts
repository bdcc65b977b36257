import type { TaskOwner } from './tasks';

export interface ImportContactsInput extends TaskOwner {
  /** The uploaded CSV, relative to the shared store's `imports/` root (the API wrote it there). */
  fileKey: string;
  /** Rows per activity call: the workflow's progress moves at this grain. */
  chunkRows?: number;
}

/** An invalid row of an import, as the user reads it. */
export interface InvalidImportRow {
  line: number;
  reason: string;
}

export interface ImportContactsResult {
  /** Data rows read (the header, if any, and empty lines excluded). */
  rows: number;
  /** Valid rows applied: created + updated. */
  imported: number;
  created: number;
  updated: number;
  invalid: number;
  /** The first invalid rows, at most `MAX_REPORTED_INVALID_ROWS`. */
  invalidRows: InvalidImportRow[];
}
export const MAX_REPORTED_INVALID_ROWS = 100;

/** Where an import stands: enough to resume after the last committed batch, never the rows themselves. */
export interface ImportCursor extends Omit<ImportContactsResult, 'imported'> {
  /** Offset in the file just after the last committed record. */
  bytes: number;
  /** Line number of the last committed record's last line. */
  line: number;
  /** Column of each field, decided once from the first record (header or not). */
  columns?: { email: number; firstName?: number; lastName?: number };
}

/** Where an import starts: nothing read yet. */
export const emptyImportCursor = (): ImportCursor => ({
  bytes: 0,
  line: 0,
  rows: 0,
  created: 0,
  updated: 0,
  invalid: 0,
  invalidRows: [],
});
