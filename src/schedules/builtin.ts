import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Duration, Workflow } from '@temporalio/common';
import {
  TaskKindKey,
  type DailyDigestInput,
  type MaintenanceKind,
  type PurgeExpiredExportsInput,
} from '../shared/contracts';
import type { Settings } from '../settings';
import { dailyDigest } from '../workflows/daily-digest';
import { purgeExpiredExports } from '../workflows/purge-expired-exports';

export type BuiltinSettings = Pick<Settings, 'taskQueue' | 'digestCron' | 'digestTimezone'>;

/**
 * The schedules mailroom itself needs, defined here and nowhere else: `syncBuiltinSchedules` makes the
 * server match this list. Ids carry the task queue, so deployments sharing a namespace keep their own.
 */
export function builtinSchedules(settings: BuiltinSettings): ScheduleOptions[] {
  const purgeInput: PurgeExpiredExportsInput = {};
  const digestInput: DailyDigestInput = { timezone: settings.digestTimezone };
  return [
    {
      scheduleId: builtinScheduleId(settings.taskQueue, purgeExpiredExports.name),
      spec: { intervals: [{ every: '1 hour' }] },
      action: maintenanceAction(settings.taskQueue, purgeExpiredExports, 'purge', [purgeInput], {
        summary: 'Delete expired export files and their rows',
        // A stuck run must not keep later ones from starting (overlap SKIP).
        timeout: '50 minutes',
      }),
      // A missed hour is made up for by the next one: no need to catch up far.
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { builtin: true, description: 'hourly: delete expired export files and rows' },
    },
    {
      scheduleId: builtinScheduleId(settings.taskQueue, dailyDigest.name),
      spec: { cronExpressions: [settings.digestCron], timezone: settings.digestTimezone },
      action: maintenanceAction(settings.taskQueue, dailyDigest, 'digest', [digestInput], {
        summary: `Email each tenant's users yesterday's sending figures (${settings.digestTimezone})`,
        timeout: '12 hours',
      }),
      // After an outage the digest is still worth sending the same morning, not the next day.
      policies: { overlap: 'SKIP', catchupWindow: '6 hours' },
      memo: { builtin: true, description: `daily digest at "${settings.digestCron}" ${settings.digestTimezone}` },
    },
  ];
}

export const builtinScheduleId = (taskQueue: string, workflowType: string) => `${taskQueue}-${workflowType}`;

function maintenanceAction<W extends Workflow>(
  taskQueue: string,
  workflow: W,
  kind: MaintenanceKind,
  args: Parameters<W>,
  options: { summary: string; timeout: Duration },
): ScheduleOptions['action'] {
  return {
    type: 'startWorkflow',
    workflowType: workflow,
    taskQueue,
    // Temporal appends the run's time to this id.
    workflowId: `${workflow.name}-${taskQueue}`,
    args,
    workflowExecutionTimeout: options.timeout,
    typedSearchAttributes: [{ key: TaskKindKey, value: kind }],
    staticSummary: options.summary,
  };
}

export interface SyncOutcome {
  scheduleId: string;
  outcome: 'created' | 'updated';
}

/**
 * Creates each built-in schedule, or updates it to the definition in code when it exists: running it
 * twice leaves one of each, and a changed definition replaces the old one. A pause set by an operator
 * is kept. Safe to run from several workers starting at once: the last update wins, and all write the
 * same definition.
 */
export async function syncBuiltinSchedules(client: Client, settings: BuiltinSettings): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  for (const options of builtinSchedules(settings)) {
    try {
      await client.schedule.create(options);
      outcomes.push({ scheduleId: options.scheduleId, outcome: 'created' });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      const { scheduleId: _id, memo: _memo, state: _state, ...definition } = options;
      await client.schedule.getHandle(options.scheduleId).update((current) => ({
        ...definition,
        state: { paused: current.state.paused, note: current.state.note },
      }));
      outcomes.push({ scheduleId: options.scheduleId, outcome: 'updated' });
    }
  }
  return outcomes;
}
