import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type Progress, type TaskStatus } from '../shared/contracts';
import type { TaskView } from '../shared/views';

/** How a task's state reads to its owner, from what Temporal says of its workflow. */

/** A finished task's progress: every row (export, import) or every recipient (send) done. */
export function finishedProgress(result: TaskView['result']): Progress {
  const done = !result ? 0 : 'rows' in result ? result.rows : result.total;
  return { phase: 'done', done, total: done };
}

/** How a task that did not fail on its own reads to its owner. */
export const CLOSED_WITHOUT_FAILURE: Partial<Record<TaskStatus, string>> = {
  CANCELED: 'was cancelled',
  TERMINATED: 'was stopped by an operator',
  TIMED_OUT: 'ran out of time before it could finish',
};

export function toTaskStatus(name: string): TaskStatus {
  switch (name) {
    case 'COMPLETED':
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return name;
    case 'CANCELLED':
      return 'CANCELED';
    default:
      return 'RUNNING';
  }
}

/** The workflow's own progress; a closed workflow's query needs a worker, so it may time out. */
export async function queryProgress(handle: WorkflowHandle, fallbackPhase = 'queued'): Promise<Progress> {
  const fallback: Progress = { phase: fallbackPhase, done: 0, total: 0 };
  // A deadline on the call itself, not a race: an unanswered query must not linger and be retried.
  return handle.client.withDeadline(Date.now() + 3_000, () => handle.query(progressQuery)).catch(() => fallback);
}
