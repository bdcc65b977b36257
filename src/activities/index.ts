import type { ActivityDeps } from './deps';
import { createEmailActivities } from './emails';
import { createExportActivities } from './export-stats';
import { createNotificationActivities } from './notifications';

export type { ActivityDeps } from './deps';

/** Activities of the main task queue. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createExportActivities(deps),
  ...createNotificationActivities(deps),
});

/** Activities of the `-email` task queue: each opens SMTP connections. */
export const createEmailQueueActivities = (deps: ActivityDeps) => ({
  ...createEmailActivities(deps),
});

export type MainActivities = ReturnType<typeof createActivities>;
export type EmailQueueActivities = ReturnType<typeof createEmailQueueActivities>;
