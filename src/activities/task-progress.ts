import type { Kysely } from 'kysely';
import { recordTaskProgress } from '../db/queries/tasks';
import type { DatabaseSchema } from '../db/schema';
import type { Progress } from '../shared/contracts';

/** Often enough for a bar to move, rare enough to cost nothing beside the work it reports. */
export const PROGRESS_RECORD_INTERVAL_MS = 1_000;

export interface ProgressRecorder {
  /** Called as often as the caller likes (once per page, never per row): writes at most once per interval. */
  note(progress: Progress): void;
  /** Waits for the write in flight, so none lands after the activity has returned. */
  settle(): Promise<void>;
}

/**
 * Keeps the task's row (tasks.progress, read by the listing and merged into the single read and its event
 * stream) up to date while one long activity runs, between the workflow's own coarser progress figures.
 * Never waits for the database and never fails the work: a lost write only leaves an older figure.
 */
export function progressRecorder(
  db: Kysely<DatabaseSchema>,
  taskId: string,
  intervalMs = PROGRESS_RECORD_INTERVAL_MS,
): ProgressRecorder {
  let due = Date.now() + intervalMs;
  let writing: Promise<void> | undefined;
  return {
    note(progress) {
      if (writing) return;
      const at = Date.now();
      if (at < due) return;
      due = at + intervalMs;
      writing = recordTaskProgress(db, taskId, progress)
        .catch(() => undefined)
        .finally(() => {
          writing = undefined;
        });
    },
    async settle() {
      await writing;
    },
  };
}
