/**
 * What a service refuses, in the domain's words. Services throw these; only `src/api/errors.ts` maps them
 * to HTTP statuses. `code` is stable and machine-readable; the message is written for the caller.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unknown, or someone else's: the two read exactly alike. */
export class NotFound extends DomainError {
  readonly code = 'not_found';
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/** Well-formed but impossible, e.g. a cursor this API never gave out or a spec the scheduler refuses. */
export class InvalidField extends DomainError {
  readonly code = 'invalid_request';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class IdempotencyConflict extends DomainError {
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('this Idempotency-Key was already used with a different request');
  }
}

/** The resource's state forbids the action. */
export abstract class StateConflict extends DomainError {}

export class TaskAlreadyClosed extends StateConflict {
  readonly code = 'task_closed';
  constructor(action: string) {
    super(`this task has already finished; there is nothing to ${action}`);
  }
}

export class TaskNotPausable extends StateConflict {
  readonly code = 'not_pausable';
  constructor(action: string, kind: string) {
    super(`only sends can ${action}; this task is an ${kind}`);
  }
}

export class NewsletterAlreadySent extends StateConflict {
  readonly code = 'already_sent';
  constructor() {
    super('this newsletter is already sending or sent');
  }
}

export class ScheduleRunInProgress extends StateConflict {
  readonly code = 'run_in_progress';
  constructor() {
    super('a run of this schedule is in progress; try again when it has finished');
  }
}

/** The row is there but an operator removed the Temporal schedule: the caller can only delete it. */
export class ScheduleMissing extends StateConflict {
  readonly code = 'schedule_missing';
  constructor() {
    super('this schedule no longer exists in Temporal; delete it and create it again');
  }
}

/** A tenant's quota is used up: nothing was started or written; `retryAfterSeconds` says when to try. */
export class LimitExceeded extends DomainError {
  readonly code = 'limit_exceeded';
  constructor(
    readonly limit: string,
    readonly max: number,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

/** A dependency does not answer: the client may try again after `retryAfterSeconds`; nothing was started. */
export class DependencyUnavailable extends DomainError {
  readonly code = 'unavailable';
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${dependency} is not reachable just now; nothing was started, try again shortly`);
  }
}
