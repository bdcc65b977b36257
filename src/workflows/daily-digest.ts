import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EmailQueueActivities, MainActivities } from '../activities';
import {
  emailTaskQueue,
  PRIORITY,
  progressQuery,
  ScheduledStartTimeKey,
  type DailyDigestInput,
  type DigestPeriod,
  type Progress,
} from '../shared/contracts';
import { EMAIL, QUICK } from './activity-options';

const DEFAULT_BATCH = 50;

/** Carried across continue-as-new. */
interface DigestState {
  period: DigestPeriod;
  afterTenantId: string;
  tenants: number;
  emails: number;
}

/**
 * Started every day by the built-in schedule: emails each user of every tenant that sent something
 * yesterday (in the configured zone) that day's figures, tenant by tenant, once per user and day.
 */
export async function dailyDigest(
  input: DailyDigestInput,
  state?: DigestState,
): Promise<{ date: string; tenants: number; emails: number }> {
  const info = workflowInfo();
  const quick = proxyActivities<MainActivities>(QUICK);
  // One call sends to all of a tenant's users: heartbeats let a retry resume after the last one.
  const email = proxyActivities<EmailQueueActivities>({
    ...EMAIL,
    heartbeatTimeout: '30 seconds',
    taskQueue: emailTaskQueue(info.taskQueue),
    // Transactional: never held behind campaign batches.
    priority: { priorityKey: PRIORITY.interactive },
  });
  const limit = input.batchSize ?? DEFAULT_BATCH;

  let progress: Progress = { phase: 'preparing', done: state?.tenants ?? 0, total: 0 };
  setHandler(progressQuery, () => progress);
  // A run caught up after an outage still reports the day before the one it was due on.
  const dueAt = info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
  const period = state?.period ?? (await quick.digestPeriod({ at: dueAt.toISOString(), timezone: input.timezone }));
  let { afterTenantId, tenants, emails } = state ?? { afterTenantId: '', tenants: 0, emails: 0 };

  for (;;) {
    const page = await quick.listDigestTenants({ period, afterTenantId, limit });
    for (const tenantId of page) {
      progress = { phase: 'emailing', done: tenants, total: 0 };
      const result = await email.sendTenantDigest({ tenantId, period, timezone: input.timezone });
      emails += result.sent;
      tenants += 1;
      afterTenantId = tenantId;
    }
    if (page.length < limit) break;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof dailyDigest>(input, { period, afterTenantId, tenants, emails });
    }
  }
  progress = { phase: 'done', done: tenants, total: tenants };
  return { date: period.date, tenants, emails };
}
