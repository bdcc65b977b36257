import { findOwnTask } from '../db/queries/tasks';
import type { Database } from '../db/schema';
import type {
  ExportNewsletterStatsResult,
  ImportCursor,
  SendCounts,
  TaskOutcome,
  TaskOwner,
} from '../shared/contracts';
import {
  emails,
  exportBytes,
  exportDuration,
  exportRows,
  importRows,
  notificationsWritten,
  tasksFinished,
} from './worker-metrics';

/** What one activity's input and result say about the work done; run after it completed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Recorder = (input: any, result: any, database: Database) => void | Promise<void>;

const taskEmail = (kind: string) => (_input: unknown, result: { alreadySent?: boolean } | undefined) => {
  if (result && !result.alreadySent) emails.inc({ kind, outcome: 'sent' });
};

const countEmails = (counts: SendCounts) => {
  for (const outcome of ['sent', 'failed', 'skipped', 'resent'] as const)
    if (counts[outcome] > 0) emails.inc({ kind: 'newsletter', outcome }, counts[outcome]);
};

/**
 * What a failed attempt did before it failed, read by the next attempt from the details the failed one
 * last heartbeated: a batch that sent 200 emails and then met a 451 counts its 200. (Details outlive an
 * attempt that fails before its first heartbeat: its successor counts them again, a rare over-count.)
 */
export const FAILED_ATTEMPT_OUTCOMES: Record<string, (details: unknown) => void> = {
  sendDeliveryBatch(details) {
    const counts = details as Partial<SendCounts> | undefined;
    if (counts && typeof counts.sent === 'number')
      countEmails({
        sent: counts.sent,
        failed: counts.failed ?? 0,
        skipped: counts.skipped ?? 0,
        resent: counts.resent ?? 0,
      });
  },
};

export const ACTIVITY_OUTCOMES: Record<string, Recorder> = {
  async publishExport(input: TaskOwner & { taskId: string }, result: ExportNewsletterStatsResult, database) {
    exportRows.inc(result.rows);
    exportBytes.inc(result.bytes);
    // From the task's creation (a time every worker reads the same) to its file's publication.
    const task = await findOwnTask(database.db, input, input.taskId);
    const started = task ? Date.parse(task.created_at) : NaN;
    if (Number.isFinite(started)) exportDuration.observe(Math.max(0, Date.now() - started) / 1000);
  },
  sendDeliveryBatch(_input: unknown, counts: SendCounts) {
    countEmails(counts);
  },
  sendExportReadyEmail: taskEmail('export_ready'),
  sendSendSummaryEmail: taskEmail('send_summary'),
  sendTenantDigest(_input: unknown, result: { sent: number }) {
    if (result.sent > 0) emails.inc({ kind: 'digest', outcome: 'sent' }, result.sent);
  },
  importContactsChunk(input: { cursor: ImportCursor }, result: { cursor: ImportCursor }) {
    const before = input.cursor;
    const after = result.cursor;
    const accepted = after.created + after.updated - (before.created + before.updated);
    const refused = after.invalid - before.invalid;
    if (accepted > 0) importRows.inc({ outcome: 'accepted' }, accepted);
    if (refused > 0) importRows.inc({ outcome: 'refused' }, refused);
  },
  notifyTaskOwner(notice: { kind: string; outcome?: TaskOutcome }) {
    notificationsWritten.inc({ kind: notice.kind });
    if (notice.outcome) tasksFinished.inc({ kind: notice.kind, status: notice.outcome.status });
  },
};
