import { addNotification, type NewNotification } from '../db/queries/notifications';
import { markTaskClosed } from '../db/queries/tasks';
import type { TaskOutcome } from '../shared/contracts';
import type { ActivityDeps } from './deps';

export const createNotificationActivities = ({ database }: ActivityDeps) => ({
  /**
   * Leaves the task's one notification for the user who started it; a retry adds nothing. It is every
   * task's last step, so the task's outcome is recorded here too: from now on it reads from the database,
   * and it no longer counts against its tenant's limit.
   */
  async notifyTaskOwner(notice: NewNotification & { outcome?: TaskOutcome }): Promise<void> {
    const { outcome, ...notification } = notice;
    await addNotification(database.db, notification);
    await markTaskClosed(database.db, notification.taskId, outcome);
  },
});

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
