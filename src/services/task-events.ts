import type { TaskOwner } from '../shared/contracts';
import type { TaskService, TaskView } from './tasks';

/** How often a watched task is described: often enough to feel live, rare enough for many watchers. */
export const POLL_INTERVAL_MS = 500;

/**
 * The caller's task as it changes: the first view at once (404 if the task is not the caller's), then a
 * view each time its status or progress changes, ending with the closed one. Polls the workflow's
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
    await sleep(options.intervalMs ?? POLL_INTERVAL_MS, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
