import fs from 'node:fs';
import { activityInfo, CancelledFailure, Context, heartbeat, log } from '@temporalio/activity';
import { CsvError, parse } from 'csv-parse';
import { upsertContacts, type ContactUpsert } from '../db/queries/contacts';
import { headerColumns, POSITIONAL_COLUMNS, readContact } from '../imports/contact-rows';
import { MAX_REPORTED_INVALID_ROWS, type ImportCursor } from '../shared/contracts';
import type { ActivityDeps } from './deps';
import { ImportFileMalformed, ImportFileMissing } from './errors';

/** Contacts per transaction: one heartbeat each, and the most a crash can make us redo. */
const BATCH_ROWS = 500;
/** A record longer than this is a broken file (e.g. an unclosed quote), not a contact: memory stays bounded. */
const MAX_RECORD_CHARS = 100_000;

export interface ImportChunkInput {
  tenantId: string;
  fileKey: string;
  cursor: ImportCursor;
  maxRows: number;
}

const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by other characters',
  CSV_MAX_RECORD_SIZE: `a record is longer than ${MAX_RECORD_CHARS} characters`,
};

export const createImportActivities = ({ database, importFiles: files }: ActivityDeps) => {
  return {
    /** Counts the file's lines, so progress has a total; checks the upload is there. */
    async prepareImport(input: { fileKey: string }): Promise<{ lines: number; bytes: number }> {
      if (!(await files.exists(input.fileKey)))
        throw new ImportFileMissing(`the uploaded file ${input.fileKey} is missing`);
      let lines = 0;
      let bytes = 0;
      let last = 0x0a;
      for await (const chunk of fs.createReadStream(files.resolve(input.fileKey)) as AsyncIterable<Buffer>) {
        for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
        bytes += chunk.length;
        last = chunk[chunk.length - 1]!;
      }
      return { lines: lines + (last === 0x0a ? 0 : 1), bytes };
    },

    /**
     * Parses up to `maxRows` records from the cursor on, validates them and upserts the valid ones in
     * batches. The cursor advances only when a batch commits, and is heartbeated then: a retry starts from
     * the last heartbeat, at a record boundary, so no row is skipped and at most one batch is applied twice
     * (an upsert: the data stays right; that batch's new contacts would count as updated).
     */
    async importContactsChunk(input: ImportChunkInput): Promise<{ cursor: ImportCursor; finished: boolean }> {
      const resumed = activityInfo().heartbeatDetails as ImportCursor | undefined;
      if (resumed)
        log.warn('resuming import from its last heartbeat', { fileKey: input.fileKey, fromLine: resumed.line });
      const start: ImportCursor = resumed ?? input.cursor;
      if (!(await files.exists(input.fileKey)))
        throw new ImportFileMissing(`the uploaded file ${input.fileKey} is missing`);
      const stopAt = input.cursor.rows + input.maxRows;
      const signal = Context.current().cancellationSignal;

      let committed = start;
      let pending: ImportCursor = { ...start, invalidRows: [...start.invalidRows] };
      let batch = new Map<string, ContactUpsert>();
      const flush = async () => {
        const { created, updated } = await upsertContacts(database.db, input.tenantId, [...batch.values()]);
        batch = new Map();
        committed = { ...pending, created: pending.created + created, updated: pending.updated + updated };
        pending = { ...committed, invalidRows: [...committed.invalidRows] };
        heartbeat(committed);
        if (signal.aborted) throw new CancelledFailure('import cancelled');
      };

      const source = fs.createReadStream(files.resolve(input.fileKey), { start: start.bytes });
      const parser = parse({
        info: true,
        bom: start.bytes === 0,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        record_delimiter: ['\r\n', '\n', '\r'],
        max_record_size: MAX_RECORD_CHARS,
      });
      source.on('error', (error) => parser.destroy(error));
      source.pipe(parser);
      // Line numbers restart at 1 in this parser: shift them by the lines already committed.
      let previousLines = 0;
      let previousEmpty = 0;
      let finished = true;
      try {
        for await (const { record, info } of parser as AsyncIterable<{
          record: string[];
          info: { bytes: number; lines: number; empty_lines: number };
        }>) {
          const firstLine = start.line + previousLines + (info.empty_lines - previousEmpty) + 1;
          previousLines = info.lines;
          previousEmpty = info.empty_lines;
          const position = { bytes: start.bytes + info.bytes, line: start.line + info.lines };
          if (!pending.columns) {
            const header = headerColumns(record);
            pending.columns = header ?? POSITIONAL_COLUMNS;
            if (header) {
              Object.assign(pending, position);
              continue;
            }
          }
          const row = readContact(record, pending.columns);
          if (row.ok && batch.has(row.email)) await flush(); // the later line updates the earlier one
          Object.assign(pending, position, { rows: pending.rows + 1 });
          if (row.ok) {
            batch.set(row.email, { email: row.email, firstName: row.firstName, lastName: row.lastName });
          } else {
            pending.invalid += 1;
            if (pending.invalidRows.length < MAX_REPORTED_INVALID_ROWS)
              pending.invalidRows.push({ line: firstLine, reason: row.reason });
          }
          if (batch.size >= BATCH_ROWS || pending.rows - committed.rows >= BATCH_ROWS) await flush();
          if (pending.rows >= stopAt) {
            finished = false;
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        // Rows before the broken one are applied, so the message can say what was kept.
        await flush();
        // The broken record starts right after the last good one (the parser's own line is where it gave up).
        const line = start.line + previousLines + 1;
        const problem = CSV_PROBLEMS[error.code] ?? error.message;
        const kept = committed.created + committed.updated;
        throw new ImportFileMalformed(
          `the file is not valid CSV at line ${line} (${problem}); the ${kept} contact${kept === 1 ? '' : 's'} before it ${kept === 1 ? 'was' : 'were'} imported`,
        );
      } finally {
        source.destroy();
        parser.destroy();
      }
      await flush();
      return { cursor: committed, finished };
    },

    /** Deletes the uploaded file once the import has ended, whatever the outcome. */
    async discardImportFile(input: { fileKey: string }): Promise<void> {
      await files.remove(input.fileKey);
    },
  };
};

export type ImportActivities = ReturnType<typeof createImportActivities>;
