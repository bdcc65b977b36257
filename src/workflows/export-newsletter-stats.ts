import {
  ActivityCancellationType,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EmailQueueActivities, MainActivities } from '../activities';
import {
  BULK_EXPORT_ROWS,
  bulkTaskQueue,
  emailTaskQueue,
  mainTaskQueue,
  type ExportCursor,
  type ExportNewsletterStatsInput,
  type ExportNewsletterStatsResult,
  type PreparedExport,
  progressQuery,
  type Progress,
} from '../shared/contracts';
import { EMAIL, LONG, QUICK, QUICK_LOCAL } from './activity-options';
import { completedOutcome, endedOutcome, failureReason } from './failure-reason';
import { notifyAndCleanUp } from './notify-and-clean-up';

/**
 * Runs recorded before it (test/histories) published, looked up the address and notified through activity
 * tasks; they replay on that path. Since, these short steps after the last chunk run as local activities,
 * in the worker that runs the workflow, one after the other in one workflow task: no trip through the
 * server's task queues for each, two round trips fewer between the last row and the email.
 */
const LOCAL_SHORT_STEPS = 'export-local-short-steps';

/**
 * Runs recorded before it prepared the export (and entered a scheduled run among its owner's tasks) through
 * activity tasks. Since, those first steps are local activities too: the first chunk is scheduled from the
 * workflow's first task, one round trip through the server fewer between the POST and the email.
 */
const LOCAL_FIRST_STEPS = 'export-local-first-steps';

/**
 * Runs recorded before it wrote every export's chunks on the main task queue. Since, an export of more than
 * BULK_EXPORT_ROWS rows writes them on the bulk queue, which a worker serves with few slots.
 */
const BULK_CHUNKS = 'export-bulk-chunks';

/** Rows per activity call: the grain of the workflow's progress and of its history. */
const DEFAULT_CHUNK_ROWS = 500_000;

/** Carried across continue-as-new: the file and the cursor, never rows. */
interface ExportState {
  prepared: PreparedExport;
  cursor: ExportCursor;
}

/**
 * Streams a newsletter's per-recipient statistics to a CSV file chunk by chunk, publishes it under a
 * signed expiring link, emails the link to the user who asked, and leaves a notification.
 */
export async function exportNewsletterStats(
  input: ExportNewsletterStatsInput,
  state?: ExportState,
): Promise<ExportNewsletterStatsResult> {
  const info = workflowInfo();
  const quick = proxyActivities<MainActivities>(QUICK);
  // Decided once, on the run's first activation, so a run never mixes the two paths.
  const finishing = patched(LOCAL_SHORT_STEPS) ? proxyLocalActivities<MainActivities>(QUICK_LOCAL) : quick;
  const starting = patched(LOCAL_FIRST_STEPS) ? proxyLocalActivities<MainActivities>(QUICK_LOCAL) : quick;
  const bulkChunks = patched(BULK_CHUNKS);
  // On cancel, wait until the chunk stops writing, so the clean-up below removes a file no one still writes.
  const chunkWriter = (taskQueue?: string) =>
    proxyActivities<MainActivities>({
      ...LONG,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      ...(taskQueue && { taskQueue }),
    });
  const email = proxyActivities<EmailQueueActivities>({ ...EMAIL, taskQueue: emailTaskQueue(info.taskQueue) });
  const owner = { tenantId: input.tenantId, userId: input.userId };

  let progress: Progress = { phase: 'preparing', done: state?.cursor.rows ?? 0, total: state?.prepared.total ?? 0 };
  setHandler(progressQuery, () => progress);
  let prepared = state?.prepared;
  let published: ExportNewsletterStatsResult | undefined;

  try {
    // A run started by a user schedule enters itself among its owner's tasks (once, not after continue-as-new).
    if (input.scheduleId && !state) {
      await starting.recordScheduledTask({
        ...owner,
        taskId: info.workflowId,
        kind: 'export',
        startedAt: info.startTime.toISOString(),
      });
    }
    prepared ??= await starting.prepareExport({ ...owner, newsletterId: input.newsletterId });
    let cursor: ExportCursor = state?.cursor ?? { afterContactId: 0, rows: 0, bytes: 0 };
    progress = { phase: 'writing', done: cursor.rows, total: prepared.total };
    // A run on the bulk queue itself (bulk workers separate) keeps its chunks there, not on `-bulk-bulk`.
    const long = chunkWriter(
      bulkChunks && prepared.total > BULK_EXPORT_ROWS ? bulkTaskQueue(mainTaskQueue(info.taskQueue)) : undefined,
    );
    for (;;) {
      const chunk = await long.writeStatsCsvChunk({
        fileKey: prepared.fileKey,
        newsletterId: input.newsletterId,
        cursor,
        maxRows: input.chunkRows ?? DEFAULT_CHUNK_ROWS,
        progressTotal: prepared.total,
      });
      cursor = chunk.cursor;
      progress = { phase: 'writing', done: cursor.rows, total: Math.max(prepared.total, cursor.rows) };
      if (chunk.finished) break;
      if (workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof exportNewsletterStats>(input, { prepared, cursor });
      }
    }

    progress = { ...progress, phase: 'publishing' };
    const result = (published = await finishing.publishExport({
      ...owner,
      exportId: prepared.exportId,
      fileKey: prepared.fileKey,
      newsletterId: input.newsletterId,
      taskId: info.workflowId,
      cursor,
      linkTtlMs: input.linkTtlMs,
    }));

    progress = { ...progress, phase: 'emailing' };
    const to = await finishing.findUserEmail({ userId: input.userId });
    await email.sendExportReadyEmail({
      key: info.workflowId,
      to,
      newsletterSubject: prepared.subject,
      rows: result.rows,
      exportId: result.exportId,
      expiresAt: result.expiresAt,
    });
    await finishing.notifyTaskOwner({
      ...owner,
      taskId: info.workflowId,
      kind: 'export',
      message: `Your export of "${prepared.subject}" is ready: ${result.rows} rows. The link was emailed to ${to}.`,
      exportId: result.exportId,
      outcome: completedOutcome(result, result.rows),
    });
    progress = { phase: 'done', done: result.rows, total: result.rows };
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    const cancelled = isCancellation(error);
    const subject = prepared ? `"${prepared.subject}"` : `newsletter ${input.newsletterId}`;
    const unpublished = published ? undefined : prepared;
    await notifyAndCleanUp(
      () =>
        quick.notifyTaskOwner({
          ...owner,
          taskId: info.workflowId,
          kind: 'export',
          message: cancelled
            ? `Your export of ${subject} was cancelled.`
            : `Your export of ${subject} failed: ${failureReason(error)}.`,
          exportId: published?.exportId,
          outcome: endedOutcome(error, progress),
        }),
      // A published file stays: its link still works even if the email could not go out.
      unpublished && (() => quick.discardExport({ fileKey: unpublished.fileKey })),
    );
    progress = { ...progress, phase: cancelled ? 'cancelled' : 'failed' };
    throw error;
  }
}
