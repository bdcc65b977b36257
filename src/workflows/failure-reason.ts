import { ErrorType } from '../shared/contracts';
import { applicationFailure } from '../shared/failures';

const REASONS: Record<string, string> = {
  [ErrorType.NewsletterNotFound]: 'the newsletter does not exist (any more)',
  [ErrorType.ExportFileMissing]: 'the export file was removed while it was being written',
  [ErrorType.InvalidRecipient]: 'your email address cannot receive mail',
  [ErrorType.ImportFileMissing]: 'the uploaded file could not be found any more; please upload it again',
  [ErrorType.ImportFileMalformed]: 'the file is not valid CSV',
};

/** A failure in words a user understands: known causes by name, anything else as a retriable fault. */
export function failureReason(error: unknown): string {
  const type = applicationFailure(error)?.type;
  return (type && REASONS[type]) || 'an internal error kept it from finishing; please try again later';
}
