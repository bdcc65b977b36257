import { ErrorType } from '../shared/contracts';

/**
 * Failures no retry can fix. A thrown error reaches Temporal as an ApplicationFailure whose type is the
 * error's name, and these names are in every retry policy's `nonRetryableErrorTypes`.
 */
export class NewsletterNotFoundError extends Error {
  override name = ErrorType.NewsletterNotFound;
}

export class InvalidRecipientError extends Error {
  override name = ErrorType.InvalidRecipient;
}

export class ExportFileMissingError extends Error {
  override name = ErrorType.ExportFileMissing;
}
