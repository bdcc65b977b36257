import type { Progress } from '../shared/contracts';

/**
 * The further of a task's two progress figures: the workflow's own (queried, exact but as coarse as its
 * activity calls, e.g. an export's 500,000-row chunks) and the one a running activity keeps in the task's
 * row about once a second. Within one phase progress only grows, so the larger count is the newer one.
 */
export function furthestProgress(live: Progress, recorded: string | null | undefined): Progress {
  const row = recordedProgress(recorded);
  if (!row || row.phase !== live.phase || !(row.done > live.done)) return live;
  return { ...live, done: row.done, total: Math.max(live.total, row.done) };
}

/** The progress kept in a task's row, if any: what a read shows when the workflow does not answer in time. */
export function recordedProgress(recorded: string | null | undefined): Progress | undefined {
  if (!recorded) return undefined;
  try {
    return JSON.parse(recorded) as Progress;
  } catch {
    return undefined;
  }
}
