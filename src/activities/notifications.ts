import { addNotification, type NewNotification } from '../db/queries/notifications';
import type { ActivityDeps } from './deps';

export const createNotificationActivities = ({ database }: ActivityDeps) => ({
  /** Leaves the task's one notification for the user who started it; a retry adds nothing. */
  async notifyTaskOwner(notification: NewNotification): Promise<void> {
    await addNotification(database.db, notification);
  },
});

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
