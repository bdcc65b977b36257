import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskOwner } from '../shared/contracts';
import type { TaskView } from '../shared/views';
import type { TaskService } from './tasks';

/** How often a watched task is described: often enough to feel live, rare enough for many watchers. */
export const POLL_INTERVAL_MS = 500;

/**
 * The caller's task as it changes: the first view at once (NotFound if the task is not the caller's),
 * then a view each time its status or progress changes, ending with the closed one. Polls the workflow's
 * progress query and description; stops as soon as `signal` aborts (the client went away).
 */
export async function* watchTask(
  tasks: TaskService,
  owner: TaskOwner,
  taskId: string,
  options: { signal: AbortSignal; intervalMs?: number },
): AsyncGenerator<TaskView> {
  let last: string | undefined;
  while (!options.signal.aborted) {
    const view = await tasks.get(owner, taskId);
    const key = JSON.stringify([view.status, view.progress]);
    if (key !== last) {
      last = key;
      yield view;
    }
    if (view.status !== 'RUNNING') return;
    await sleep(options.intervalMs ?? POLL_INTERVAL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
