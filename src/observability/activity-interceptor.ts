import { CancelledFailure, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptors, WorkerInterceptors } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { ActivityDeps } from '../activities/deps';
import { ACTIVITY_OUTCOMES, FAILED_ATTEMPT_OUTCOMES } from './activity-outcomes';
import { watchExportStore } from './export-store-metrics';
import { activitiesRunning, activitiesStarted, activityDuration, emailRetries } from './worker-metrics';

/** Activities whose failures are email attempts the next attempt retries. */
const EMAIL_ACTIVITIES = new Set([
  'sendDeliveryBatch',
  'sendExportReadyEmail',
  'sendSendSummaryEmail',
  'sendTenantDigest',
]);

/** Tenants of the workflows this process ran activities for: later activities may not carry it. */
const tenantOfTask = new Map<string, string>();
const REMEMBERED_TASKS = 10_000;

/** The tenant in an activity's input: its owner, or the first segment of a tenant file key. */
function tenantInInput(input: unknown): string | undefined {
  const { tenantId, fileKey } = (input ?? {}) as { tenantId?: unknown; fileKey?: unknown };
  if (typeof tenantId === 'string') return tenantId;
  if (typeof fileKey === 'string' && fileKey.includes('/')) return fileKey.split('/')[0];
  return undefined;
}

/** The task and tenant an activity works for: the workflow id names the task; inputs carry the tenant. */
export function activityLogAttributes(context: Context, input: unknown): Record<string, unknown> {
  const { workflowExecution } = context.info;
  if (!workflowExecution) return {};
  const taskId = workflowExecution.workflowId;
  let tenantId = tenantInInput(input);
  if (tenantId && !tenantOfTask.has(taskId)) {
    if (tenantOfTask.size >= REMEMBERED_TASKS) tenantOfTask.delete(tenantOfTask.keys().next().value!);
    tenantOfTask.set(taskId, tenantId);
  }
  tenantId ??= tenantOfTask.get(taskId);
  return { taskId, workflowRunId: workflowExecution.runId, ...(tenantId ? { tenantId } : {}) };
}

function outcomeOf(error: unknown, context: Context): 'cancelled' | 'failed' {
  return error instanceof CancelledFailure || context.cancellationSignal.aborted ? 'cancelled' : 'failed';
}

/** A failure Temporal will retry: not cancelled, not non-retryable, attempts left. */
function willRetry(error: unknown, context: Context): boolean {
  if (error instanceof CancelledFailure || (error instanceof ApplicationFailure && error.nonRetryable)) return false;
  const maximum = context.info.retryPolicy?.maximumAttempts ?? 0;
  return maximum === 0 || context.info.attempt < maximum;
}

/**
 * Every activity is timed and counted, and what it did (rows, bytes, emails…) read from its input and
 * result into the domain metrics; its log lines carry the task, tenant and run it works for, so one
 * task's story reads with one grep. The export store's free space is watched too.
 */
export function observeActivities(
  { database, exportFiles }: Pick<ActivityDeps, 'database' | 'exportFiles'>,
  logger: Logger,
): WorkerInterceptors {
  watchExportStore(exportFiles.root);
  const factory = (context: Context): ActivityInterceptors => {
    let attributes: Record<string, unknown> = activityLogAttributes(context, undefined);
    return {
      inbound: {
        async execute(input, next) {
          const activity = context.info.activityType;
          attributes = activityLogAttributes(context, input.args[0]);
          activitiesStarted.inc({ activity });
          if (context.info.attempt > 1 && context.info.heartbeatDetails !== undefined)
            FAILED_ATTEMPT_OUTCOMES[activity]?.(context.info.heartbeatDetails);
          activitiesRunning.inc({ activity });
          const stopTimer = activityDuration.startTimer({ activity });
          try {
            const result = await next(input);
            stopTimer({ outcome: 'completed' });
            const record = ACTIVITY_OUTCOMES[activity];
            if (record) {
              // Metrics never fail an activity: a slow or failed lookup is logged, the result goes back.
              void Promise.resolve()
                .then(() => record(input.args[0], result, database))
                .catch((error: unknown) =>
                  logger.warn({ err: error, activity, ...attributes }, 'metrics not recorded'),
                );
            }
            return result;
          } catch (error) {
            stopTimer({ outcome: outcomeOf(error, context) });
            if (EMAIL_ACTIVITIES.has(activity) && willRetry(error, context)) emailRetries.inc({ activity });
            throw error;
          } finally {
            activitiesRunning.dec({ activity });
          }
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...input, ...attributes }),
      },
    };
  };
  return { activity: [factory] };
}
