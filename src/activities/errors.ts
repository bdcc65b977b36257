/**
 * Failures no retry can fix. A thrown error reaches Temporal as an ApplicationFailure whose type is the
 * error's constructor name, so each class is named exactly as its entry in ErrorType
 * (src/shared/contracts.ts), which every retry policy lists in `nonRetryableErrorTypes`.
 */
export class NewsletterNotFound extends Error {
  override name = 'NewsletterNotFound';
}

export class InvalidRecipient extends Error {
  override name = 'InvalidRecipient';
}

export class ExportFileMissing extends Error {
  override name = 'ExportFileMissing';
}

/** A newsletter's sender is no longer verified for its tenant: an operator withdrew it. */
export class SenderNotVerified extends Error {
  override name = 'SenderNotVerified';
}

export class ImportFileMissing extends Error {
  override name = 'ImportFileMissing';
}

/** The CSV cannot be read past some line (e.g. an unclosed quote): the message names the line, in words. */
export class ImportFileMalformed extends Error {
  override name = 'ImportFileMalformed';
}
