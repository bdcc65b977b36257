import { ApplicationFailure } from '@temporalio/common';

/**
 * The failure that says what went wrong: Temporal wraps it in ActivityFailure, ChildWorkflowFailure or
 * WorkflowFailedError layers; this walks their `cause` down to the first ApplicationFailure, or the last
 * layer. Safe in workflow code (no Node built-ins).
 */
export function rootCause(error: unknown): unknown {
  let cause = error;
  while (!(cause instanceof ApplicationFailure) && cause instanceof Error && cause.cause !== undefined) {
    cause = cause.cause;
  }
  return cause;
}

/** The ApplicationFailure under the wrappers, if there is one. */
export function applicationFailure(error: unknown): ApplicationFailure | undefined {
  const cause = rootCause(error);
  return cause instanceof ApplicationFailure ? cause : undefined;
}
