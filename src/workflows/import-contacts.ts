import {
  ActivityCancellationType,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { MainActivities } from '../activities';
import {
  emptyImportCursor,
  ErrorType,
  progressQuery,
  type ImportContactsInput,
  type ImportContactsResult,
  type ImportCursor,
  type Progress,
} from '../shared/contracts';
import { LONG, QUICK } from './activity-options';
import { applicationFailure } from '../shared/failures';
import { completedOutcome, endedOutcome, failureReason } from './failure-reason';
import { notifyAndCleanUp } from './notify-and-clean-up';

/** Rows per activity call: the grain of the workflow's progress and of its history. */
const DEFAULT_CHUNK_ROWS = 20_000;

/** Carried across continue-as-new: the cursor and the line count, never rows. */
interface ImportState {
  lines: number;
  cursor: ImportCursor;
}

/**
 * Imports an uploaded CSV of contacts: parses and validates it chunk by chunk, creates or updates the
 * tenant's contacts, reports invalid rows by line, deletes the upload, and leaves a notification.
 */
export async function importContacts(input: ImportContactsInput, state?: ImportState): Promise<ImportContactsResult> {
  const info = workflowInfo();
  const quick = proxyActivities<MainActivities>(QUICK);
  // Waits for the running chunk to stop before the file is deleted and the cancellation is reported.
  const long = proxyActivities<MainActivities>({
    ...LONG,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const owner = { tenantId: input.tenantId, userId: input.userId };
  let cursor = state?.cursor ?? emptyImportCursor();
  let progress: Progress = { phase: 'preparing', done: cursor.line, total: state?.lines ?? 0 };
  setHandler(progressQuery, () => progress);

  try {
    const lines = state?.lines ?? (await quick.prepareImport({ fileKey: input.fileKey })).lines;
    progress = { phase: 'importing', done: cursor.line, total: lines };
    for (;;) {
      const chunk = await long.importContactsChunk({
        tenantId: input.tenantId,
        fileKey: input.fileKey,
        cursor,
        maxRows: input.chunkRows ?? DEFAULT_CHUNK_ROWS,
      });
      cursor = chunk.cursor;
      progress = { phase: 'importing', done: cursor.line, total: Math.max(lines, cursor.line) };
      if (chunk.finished) break;
      if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof importContacts>(input, { lines, cursor });
    }
    const { rows, created, updated, invalid, invalidRows } = cursor;
    const result: ImportContactsResult = { rows, imported: created + updated, created, updated, invalid, invalidRows };
    await quick.discardImportFile({ fileKey: input.fileKey });
    await quick.notifyTaskOwner({
      ...owner,
      taskId: info.workflowId,
      kind: 'import',
      message: finishedMessage(result),
      outcome: completedOutcome(result, result.rows),
    });
    progress = { phase: 'done', done: result.rows, total: result.rows };
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    const cancelled = isCancellation(error);
    const reason = importFailureReason(error);
    const message = cancelled
      ? 'Your contact import was cancelled; the contacts it had already imported were kept.'
      : `Your contact import failed: ${reason}.`;
    const outcome = endedOutcome(error, progress, reason);
    await notifyAndCleanUp(
      () => quick.notifyTaskOwner({ ...owner, taskId: info.workflowId, kind: 'import', message, outcome }),
      () => quick.discardImportFile({ fileKey: input.fileKey }),
    );
    progress = { ...progress, phase: cancelled ? 'cancelled' : 'failed' };
    throw error;
  }
}

/** A sentence a user reads: what was imported, and where the invalid rows are. */
export function finishedMessage(result: ImportContactsResult): string {
  if (result.rows === 0) return 'Your contact import finished: the file had no contact rows.';
  const parts = [
    `${count(result.imported, 'contact')} imported (${thousands(result.created)} new, ${thousands(result.updated)} updated)`,
  ];
  if (result.invalid > 0) {
    const shown = result.invalidRows.slice(0, 5).map((row) => row.line);
    const more = result.invalid - shown.length;
    parts.push(
      `${count(result.invalid, 'invalid row')} skipped (line${shown.length > 1 ? 's' : ''} ${shown.join(', ')}${more > 0 ? ` and ${thousands(more)} more` : ''}; the task lists why)`,
    );
  }
  return `Your contact import finished: ${parts.join('; ')}.`;
}

/** A broken file's message already names the line in words; other failures read as the shared reasons. */
function importFailureReason(error: unknown): string {
  const cause = applicationFailure(error);
  return cause?.type === ErrorType.ImportFileMalformed ? cause.message : failureReason(error);
}

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const count = (n: number, noun: string) => `${thousands(n)} ${noun}${n === 1 ? '' : 's'}`;
