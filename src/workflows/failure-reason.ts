import { ActivityFailure, ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import { ErrorType } from '../shared/contracts';

const REASONS: Record<string, string> = {
  [ErrorType.NewsletterNotFound]: 'the newsletter does not exist (any more)',
  [ErrorType.ExportFileMissing]: 'the export file was removed while it was being written',
  [ErrorType.InvalidRecipient]: 'your email address cannot receive mail',
  [ErrorType.ImportFileMissing]: 'the uploaded file could not be found any more; please upload it again',
  [ErrorType.ImportFileMalformed]: 'the file is not valid CSV',
};

/** A failure in words a user understands: known causes by name, anything else as a retriable fault. */
export function failureReason(error: unknown): string {
  let cause: unknown = error;
  while (
    cause instanceof ActivityFailure ||
    (cause instanceof TemporalFailure && !(cause instanceof ApplicationFailure) && cause.cause)
  ) {
    cause = (cause as TemporalFailure).cause;
  }
  if (cause instanceof ApplicationFailure && cause.type && REASONS[cause.type]) return REASONS[cause.type]!;
  return 'an internal error kept it from finishing; please try again later';
}
