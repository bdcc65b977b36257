import type { Client, WorkflowHandle } from '@temporalio/client';
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
  return (await liveProgress(handle)) ?? { phase: fallbackPhase, done: 0, total: 0 };
}

/** The workflow's own progress, or undefined when it did not answer by `deadline` (ms since the epoch). */
export async function liveProgress(
  handle: WorkflowHandle,
  deadline = Date.now() + 3_000,
): Promise<Progress | undefined> {
  // A deadline on the call itself, not a race: an unanswered query must not linger and be retried.
  return handle.client.withDeadline(deadline, () => handle.query(progressQuery)).catch(() => undefined);
}

/** Workflow ids that go into a visibility query as they are (ours are; anything else is read one by one). */
const PLAIN_ID = /^[\w.:@-]+$/;

/**
 * The status of each workflow, from one visibility read for all of them: no worker is needed, unlike a
 * query. Visibility is eventually consistent, so a workflow just started may be missing (absent from the
 * map) and one just closed may still read RUNNING. Of a chain of runs (continue-as-new), the latest counts.
 */
export async function visibleStatuses(
  client: Client,
  ids: string[],
  deadlineMs: number,
): Promise<Map<string, TaskStatus>> {
  const plain = ids.filter((id) => PLAIN_ID.test(id));
  const statuses = new Map<string, { status: TaskStatus; startedMs: number }>();
  if (plain.length === 0) return new Map();
  await client.withDeadline(Date.now() + deadlineMs, async () => {
    const query = `WorkflowId IN (${plain.map((id) => `'${id}'`).join(', ')})`;
    for await (const run of client.workflow.list({ query, pageSize: 1000 })) {
      const startedMs = run.startTime.getTime();
      const known = statuses.get(run.workflowId);
      if (!known || known.startedMs < startedMs) {
        statuses.set(run.workflowId, { status: toTaskStatus(run.status.name), startedMs });
      }
    }
  });
  return new Map([...statuses].map(([id, { status }]) => [id, status]));
}
