import fs from 'node:fs';
import { activityInfo, Context, CancelledFailure, heartbeat, log } from '@temporalio/activity';
import { deliveryTotal, findNewsletter } from '../db/queries/newsletters';
import { recordExport } from '../db/queries/exports';
import { findUser } from '../db/queries/users';
import { now } from '../db/schema';
import { postgresFormulaPattern } from '../export/postgres-formula';
import { STATS_HEADER_LINE } from '../export/stats-csv';
import { statsPages } from '../export/stats-pages';
import type { ExportCursor, ExportNewsletterStatsResult, PreparedExport, TaskOwner } from '../shared/contracts';
import { ExportFiles } from '../storage/export-files';
import type { ActivityDeps } from './deps';
import { ExportFileMissing, NewsletterNotFound } from './errors';
import { progressRecorder } from './task-progress';

export { STATS_HEADER } from '../export/stats-csv';

export interface ChunkInput {
  fileKey: string;
  newsletterId: number;
  cursor: ExportCursor;
  maxRows: number;
  /** The export's expected rows: with it, the chunk records its progress in the task's row as it goes. */
  progressTotal?: number;
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

/** Writes `parts` at `position`, all of them: writev may write less than asked, like write. */
async function writeAll(handle: fs.promises.FileHandle, parts: Buffer[], position: number): Promise<void> {
  let rest = parts;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest, position);
    position += bytesWritten;
    const left: Buffer[] = [];
    for (const part of rest) {
      if (bytesWritten >= part.length) bytesWritten -= part.length;
      else {
        left.push(part.subarray(bytesWritten));
        bytesWritten = 0;
      }
    }
    rest = left;
  }
}

export const createExportActivities = ({ database, readDatabase, exportFiles: files }: ActivityDeps) => {
  // Derived once per process; built here, when the worker starts, rather than in its first export.
  if (readDatabase.dialect === 'postgres') postgresFormulaPattern();
  return {
    /** Checks the newsletter belongs to the tenant and names the file. */
    async prepareExport(input: TaskOwner & { newsletterId: number }): Promise<PreparedExport> {
      const newsletter = await findNewsletter(database.db, input.tenantId, input.newsletterId);
      if (!newsletter) throw new NewsletterNotFound(`newsletter ${input.newsletterId} does not exist`);
      const exportId = ExportFiles.newExportId();
      const fileKey = files.fileKey(input.tenantId, exportId);
      const total = await deliveryTotal(database.db, input.newsletterId);
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
      const total = input.progressTotal;
      // The task's id is its workflow's.
      const taskId = activityInfo().workflowExecution?.workflowId;
      const recorder = total === undefined || !taskId ? undefined : progressRecorder(database.db, taskId);
      try {
        // The file's sha256 is computed as it is written (see RunningHashes): publishExport reads nothing back.
        // Taken before the truncate, which changes the file's mtime even when it cuts nothing.
        const hash = await files.hashes.resume(part, cursor.bytes);
        await handle.truncate(cursor.bytes);
        if (cursor.bytes === 0) {
          const header = Buffer.from(STATS_HEADER_LINE, 'utf8');
          await handle.write(header, 0, header.length, 0);
          hash.update(header);
          cursor = { ...cursor, bytes: header.length };
        }
        let finished = false;
        const remaining = stopAt - cursor.rows;
        if (signal.aborted) throw new CancelledFailure('export cancelled');
        if (remaining > 0) {
          for await (const page of statsPages(readDatabase, input.newsletterId, cursor.afterContactId, remaining)) {
            if (page.rows > 0) {
              // Awaiting each write is the backpressure: never more than one page in memory.
              await writeAll(handle, page.csv, cursor.bytes);
              for (const part of page.csv) hash.update(part);
              cursor = {
                afterContactId: page.afterContactId,
                rows: cursor.rows + page.rows,
                bytes: cursor.bytes + page.bytes,
              };
              heartbeat(cursor);
              recorder?.note({ phase: 'writing', done: cursor.rows, total: Math.max(total ?? 0, cursor.rows) });
            }
            if (page.last) finished = true;
            if (signal.aborted) throw new CancelledFailure('export cancelled');
          }
        }
        await handle.datasync();
        await files.hashes.leave(part, cursor.bytes, hash);
        return { cursor, finished };
      } finally {
        await handle.close();
        await recorder?.settle();
      }
    },

    /** Renames the finished file into place, records it, and signs its link. Idempotent when retried. */
    async publishExport(input: PublishInput): Promise<ExportNewsletterStatsResult> {
      const part = files.partPath(input.fileKey);
      const final = files.resolve(input.fileKey);
      let written: string | undefined;
      if (fs.existsSync(part)) {
        // The hash the chunks carried, if this process wrote the last one and no one touched the file since.
        written = (await files.hashes.take(part, input.cursor.bytes))?.digest('hex');
        await fs.promises.truncate(part, input.cursor.bytes);
        await fs.promises.rename(part, final);
      } else if (!fs.existsSync(final)) {
        throw new ExportFileMissing(`export file ${input.fileKey} is missing`);
      }
      const { sha256, bytes } = written
        ? { sha256: written, bytes: input.cursor.bytes }
        : await files.sha256(input.fileKey);
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
      files.hashes.forget(files.partPath(input.fileKey));
      await files.remove(input.fileKey);
    },

    /** The address a task's emails go to. */
    async findUserEmail(input: { userId: string }): Promise<string> {
      const user = await findUser(database.db, input.userId);
      if (!user) throw new Error(`user ${input.userId} not found`);
      return user.email;
    },
  };
};

export type ExportActivities = ReturnType<typeof createExportActivities>;
