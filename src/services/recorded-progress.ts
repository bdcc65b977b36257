import type { Progress } from '../shared/contracts';

/**
 * The further of a task's two progress figures: the workflow's own (queried, exact but as coarse as its
 * activity calls, e.g. an export's 500,000-row chunks) and the one a running activity keeps in the task's
 * row about once a second. Within one phase progress only grows, so the larger count is the newer one.
 */
export function furthestProgress(live: Progress, recorded: string | null | undefined): Progress {
  if (!recorded) return live;
  let row: Progress;
  try {
    row = JSON.parse(recorded) as Progress;
  } catch {
    return live;
  }
  if (row.phase !== live.phase || !(row.done > live.done)) return live;
  return { ...live, done: row.done, total: Math.max(live.total, row.done) };
}
