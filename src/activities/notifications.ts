import { addNotification, type NewNotification } from '../db/queries/notifications';
import { markTaskClosed } from '../db/queries/tasks';
import type { ActivityDeps } from './deps';

export const createNotificationActivities = ({ database }: ActivityDeps) => ({
  /**
   * Leaves the task's one notification for the user who started it; a retry adds nothing. It is every
   * task's last step, so the task stops counting against its tenant's limit here.
   */
  async notifyTaskOwner(notification: NewNotification): Promise<void> {
    await addNotification(database.db, notification);
    await markTaskClosed(database.db, notification.taskId);
  },
});

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
