import { recordTask } from '../db/queries/tasks';
import type { TaskKind, TaskOwner } from '../shared/contracts';
import type { ActivityDeps } from './deps';

export interface ScheduledTaskRecord extends TaskOwner {
  /** The run's workflow id, as Temporal made it from the schedule's prefix and the run's time. */
  taskId: string;
  kind: TaskKind;
  /** The run's start time, so the task sorts among the owner's tasks where it happened. */
  startedAt: string;
}

export const createScheduledTaskActivities = ({ database }: ActivityDeps) => ({
  /**
   * A schedule starts runs without the API, so each run enters itself in the tasks table: its owner
   * then finds it in `GET /v1/tasks` under the same ownership check as any task. Idempotent.
   */
  async recordScheduledTask(record: ScheduledTaskRecord): Promise<void> {
    await recordTask(database.db, {
      id: record.taskId,
      tenant_id: record.tenantId,
      user_id: record.userId,
      kind: record.kind,
      idempotency_key: null,
      request_hash: null,
      created_at: record.startedAt,
    });
  },
});

export type ScheduledTaskActivities = ReturnType<typeof createScheduledTaskActivities>;
