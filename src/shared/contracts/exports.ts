import type { TaskOwner } from './tasks';

export interface ExportNewsletterStatsInput extends TaskOwner {
  newsletterId: number;
  /** How long the emailed link stays valid; the API passes `LINK_TTL`. */
  linkTtlMs: number;
  /** Rows per activity call: the workflow's progress moves at this grain. */
  chunkRows?: number;
  /** Set when a user schedule starts the export: the run then records itself as the owner's task. */
  scheduleId?: string;
}

/** No link here: a signed link is a bearer secret, and results stay in Temporal's histories. */
export interface ExportNewsletterStatsResult {
  exportId: string;
  rows: number;
  bytes: number;
  sha256: string;
  expiresAt: string;
}

/** The file an export writes, named before the first row: what the workflow carries, never the rows. */
export interface PreparedExport {
  exportId: string;
  fileKey: string;
  subject: string;
  total: number;
}

/** Where an export stands between activity calls: enough to resume, never the rows themselves. */
export interface ExportCursor {
  /** Rows are written in contact id order; the next chunk starts after this id. */
  afterContactId: number;
  rows: number;
  /** Length of the partial file holding exactly `rows` rows (and the header). */
  bytes: number;
}
