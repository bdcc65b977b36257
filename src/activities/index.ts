import type { ActivityDeps } from './deps';
import { createEmailActivities } from './emails';
import { createExportActivities } from './export-stats';
import { createNotificationActivities } from './notifications';
import { createDigestActivities } from './digest';
import { createDigestEmailActivities } from './digest-emails';
import { createPurgeActivities } from './purge-exports';
import { createScheduledTaskActivities } from './scheduled-tasks';
import { createImportActivities } from './import-contacts';
import { createSendActivities } from './send-newsletter';
import { createDeliveryActivities } from './send-deliveries';

export type { ActivityDeps } from './deps';

/** Activities of the main task queue. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createExportActivities(deps),
  ...createNotificationActivities(deps),
  ...createScheduledTaskActivities(deps),
  ...createPurgeActivities(deps),
  ...createDigestActivities(deps),
  ...createImportActivities(deps),
  ...createSendActivities(deps),
});

/** Activities of the `-email` task queue: each opens SMTP connections. */
export const createEmailQueueActivities = (deps: ActivityDeps) => ({
  ...createEmailActivities(deps),
  ...createDigestEmailActivities(deps),
  ...createDeliveryActivities(deps),
});

export type MainActivities = ReturnType<typeof createActivities>;
export type EmailQueueActivities = ReturnType<typeof createEmailQueueActivities>;
