import fs from 'node:fs';
import { activityInfo, Context, CancelledFailure, heartbeat, log } from '@temporalio/activity';
import { stringify } from 'csv-stringify/sync';
import { countDeliveries, readDeliveryStatsPage, type StatsRow } from '../db/queries/delivery-stats';
import { findNewsletter } from '../db/queries/newsletters';
import { recordExport } from '../db/queries/exports';
import { findUser } from '../db/queries/users';
import { now } from '../db/schema';
import type { ExportCursor, ExportNewsletterStatsResult, PreparedExport, TaskOwner } from '../shared/contracts';
import { neutraliseFormula } from '../storage/csv-safety';
import { ExportFiles } from '../storage/export-files';
import type { ActivityDeps } from './deps';
import { ExportFileMissing, NewsletterNotFound } from './errors';

export const STATS_HEADER = [
  'Email',
  'First name',
  'Last name',
  'Status',
  'Sent at',
  'Opens',
  'First opened at',
  'Clicks',
  'First clicked at',
  'Bounced',
  'Unsubscribed',
];

/** Rows read per query: small enough that no query blocks the event loop for long. */
const PAGE_ROWS = 2_000;

/** The CSV cells of one row, as the user reads them; the contact id stays internal. */
export function statsCells(row: StatsRow): Array<string | number> {
  const [, email, first, last, status, sentAt, opens, firstOpened, clicks, firstClicked, bounced, unsubscribed] = row;
  return [
    neutraliseFormula(email),
    neutraliseFormula(first),
    neutraliseFormula(last),
    status,
    sentAt ?? '',
    opens,
    firstOpened ?? '',
    clicks,
    firstClicked ?? '',
    bounced ? 'yes' : 'no',
    unsubscribed ? 'yes' : 'no',
  ];
}

export interface ChunkInput {
  fileKey: string;
  newsletterId: number;
  cursor: ExportCursor;
  maxRows: number;
}

export interface ChunkResult {
  cursor: ExportCursor;
  finished: boolean;
}

export interface PublishInput extends TaskOwner {
  exportId: string;
  fileKey: string;
  newsletterId: number;
  taskId: string;
  cursor: ExportCursor;
  linkTtlMs: number;
}

/**
 * Why the partial file cannot be resumed at `cursor`, in words, or undefined if it can: the file must be
 * at least `cursor.bytes` long and its byte before the cursor must end a row. A lost tail is either
 * missing (a short file) or zeros (a file extended over a hole); both are caught here.
 */
export async function resumeProblem(part: string, cursor: ExportCursor): Promise<string | undefined> {
  if (cursor.bytes === 0) return undefined;
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(part, 'r');
  } catch {
    return 'the file is missing';
  }
  try {
    const { size } = await handle.stat();
    if (size < cursor.bytes) return `the file has ${size} bytes, fewer than the ${cursor.bytes} of row ${cursor.rows}`;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, cursor.bytes - 1);
    if (last[0] !== 0x0a) return `byte ${cursor.bytes - 1} does not end row ${cursor.rows}`;
    return undefined;
  } finally {
    await handle.close();
  }
}

export const createExportActivities = ({ database, readDatabase, exportFiles: files }: ActivityDeps) => ({
  /** Checks the newsletter belongs to the tenant and names the file. */
  async prepareExport(input: TaskOwner & { newsletterId: number }): Promise<PreparedExport> {
    const newsletter = await findNewsletter(database.db, input.tenantId, input.newsletterId);
    if (!newsletter) throw new NewsletterNotFound(`newsletter ${input.newsletterId} does not exist`);
    const exportId = ExportFiles.newExportId();
    const fileKey = files.fileKey(input.tenantId, exportId);
    const total = await countDeliveries(database.db, input.newsletterId);
    return { exportId, fileKey, subject: newsletter.subject, total };
  },

  /**
   * Appends up to `maxRows` rows to the partial file. Starts from the last heartbeat when retried, after
   * cutting the file back to the length that heartbeat recorded, so a crash neither loses nor repeats a row.
   *
   * A resume point is used only if the file provably holds it: at least that many bytes, the last of them
   * ending a row. A file shorter than its heartbeat (a machine crash that lost unsynced pages, a shared
   * volume) is never padded: the chunk restarts from where it began (synced when the previous chunk
   * ended) if the file holds that, else the file is rewritten from its first row.
   */
  async writeStatsCsvChunk(input: ChunkInput): Promise<ChunkResult> {
    const resumed = activityInfo().heartbeatDetails as ExportCursor | undefined;
    const stopAt = input.cursor.rows + input.maxRows;
    const part = files.partPath(input.fileKey);
    await files.ensureDirFor(input.fileKey);
    const start = resumed ?? input.cursor;
    if (start.bytes > 0 && !fs.existsSync(part)) {
      throw new ExportFileMissing(`partial export ${input.fileKey} vanished after ${start.rows} rows`);
    }
    let cursor: ExportCursor = { afterContactId: 0, rows: 0, bytes: 0 };
    for (const candidate of resumed ? [resumed, input.cursor] : [input.cursor]) {
      const problem = await resumeProblem(part, candidate);
      if (!problem) {
        cursor = candidate;
        break;
      }
      log.warn('the partial export file does not hold its resume point: restarting from an earlier one', {
        fileKey: input.fileKey,
        fromRow: candidate.rows,
        problem,
      });
    }
    if (resumed)
      log.warn('resuming export from its last heartbeat', {
        fileKey: input.fileKey,
        fromRow: cursor.rows,
        heartbeatRow: resumed.rows,
        attempt: activityInfo().attempt,
      });
    const handle = await fs.promises.open(part, cursor.bytes === 0 ? 'w' : 'r+');
    const signal = Context.current().cancellationSignal;
    try {
      await handle.truncate(cursor.bytes);
      if (cursor.bytes === 0) {
        const header = stringify([STATS_HEADER]);
        await handle.write(header, 0, 'utf8');
        cursor = { ...cursor, bytes: Buffer.byteLength(header) };
      }
      let finished = false;
      while (cursor.rows < stopAt) {
        if (signal.aborted) throw new CancelledFailure('export cancelled');
        const limit = Math.min(PAGE_ROWS, stopAt - cursor.rows);
        const rows = await readDeliveryStatsPage(readDatabase.db, input.newsletterId, cursor.afterContactId, limit);
        if (rows.length > 0) {
          const text = Buffer.from(stringify(rows.map(statsCells)), 'utf8');
          // Awaiting each write is the backpressure: never more than one page in memory.
          await handle.write(text, 0, text.length, cursor.bytes);
          cursor = {
            afterContactId: rows[rows.length - 1]![0],
            rows: cursor.rows + rows.length,
            bytes: cursor.bytes + text.length,
          };
          heartbeat(cursor);
        }
        if (rows.length < limit) {
          finished = true;
          break;
        }
      }
      await handle.datasync();
      return { cursor, finished };
    } finally {
      await handle.close();
    }
  },

  /** Renames the finished file into place, records it, and signs its link. Idempotent when retried. */
  async publishExport(input: PublishInput): Promise<ExportNewsletterStatsResult> {
    const part = files.partPath(input.fileKey);
    const final = files.resolve(input.fileKey);
    if (fs.existsSync(part)) {
      await fs.promises.truncate(part, input.cursor.bytes);
      await fs.promises.rename(part, final);
    } else if (!fs.existsSync(final)) {
      throw new ExportFileMissing(`export file ${input.fileKey} is missing`);
    }
    const { sha256, bytes } = await files.sha256(input.fileKey);
    const row = await recordExport(database.db, {
      id: input.exportId,
      tenant_id: input.tenantId,
      user_id: input.userId,
      newsletter_id: input.newsletterId,
      task_id: input.taskId,
      file_key: input.fileKey,
      rows: input.cursor.rows,
      bytes,
      sha256,
      created_at: now(),
      expires_at: new Date(Date.now() + input.linkTtlMs).toISOString(),
    });
    return {
      exportId: row.id,
      rows: row.rows,
      bytes: Number(row.bytes),
      sha256: row.sha256,
      expiresAt: row.expires_at,
    };
  },

  /** Deletes what a cancelled or failed export left behind. */
  async discardExport(input: { fileKey: string }): Promise<void> {
    await files.remove(input.fileKey);
  },

  /** The address a task's emails go to. */
  async findUserEmail(input: { userId: string }): Promise<string> {
    const user = await findUser(database.db, input.userId);
    if (!user) throw new Error(`user ${input.userId} not found`);
    return user.email;
  },
});

export type ExportActivities = ReturnType<typeof createExportActivities>;
