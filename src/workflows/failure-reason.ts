import { isCancellation } from '@temporalio/workflow';
import { ErrorType, type Progress, type TaskOutcome } from '../shared/contracts';
import { applicationFailure } from '../shared/failures';

const REASONS: Record<string, string> = {
  [ErrorType.NewsletterNotFound]: 'the newsletter does not exist (any more)',
  [ErrorType.ExportFileMissing]: 'the export file was removed while it was being written',
  [ErrorType.InvalidRecipient]: 'your email address cannot receive mail',
  [ErrorType.ImportFileMissing]: 'the uploaded file could not be found any more; please upload it again',
  [ErrorType.ImportFileMalformed]: 'the file is not valid CSV',
  [ErrorType.SenderNotVerified]: 'its sender is no longer a verified sender of your organisation',
};

/** A failure in words a user understands: known causes by name, anything else as a retriable fault. */
export function failureReason(error: unknown): string {
  const type = applicationFailure(error)?.type;
  return (type && REASONS[type]) || 'an internal error kept it from finishing; please try again later';
}

/** A task's outcome when it fails or is cancelled, as its owner will read it (see TaskOutcome). */
export function endedOutcome(error: unknown, progress: Progress, reason = failureReason(error)): TaskOutcome {
  if (isCancellation(error)) {
    return {
      status: 'CANCELED',
      progress: { ...progress, phase: 'cancelled' },
      error: { code: 'canceled', message: 'the task was cancelled' },
    };
  }
  const code = applicationFailure(error)?.type ?? 'failed';
  return { status: 'FAILED', progress: { ...progress, phase: 'failed' }, error: { code, message: reason } };
}

/** A task's outcome when it completes: everything done. */
export function completedOutcome(result: unknown, done: number): TaskOutcome {
  return { status: 'COMPLETED', progress: { phase: 'done', done, total: done }, result };
}
