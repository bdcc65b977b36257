import fs from 'node:fs';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, createEmailQueueActivities, type ActivityDeps } from '../activities';
import { observeActivities } from '../observability/activity-interceptor';
import { installSdkRuntime } from '../observability/sdk-runtime';
import { bulkWorkersSeparate, workerLaneServed } from '../observability/worker-metrics';
import { bulkTaskQueue, emailTaskQueue } from '../shared/contracts';
import { SettingsError, type Settings } from '../settings';
import { connectWorker } from '../temporal/connect';
import { WORKFLOW_BUNDLE_PATH } from './bundle-workflows';

/** Large exports' chunks at once per worker process (see bulkTaskQueue), fewer if the activity slots are. */
const BULK_ACTIVITY_SLOTS = 2;

export interface RunningWorkers {
  /** Resolves when all workers have stopped. */
  done: Promise<void>;
  /** Stops polling and lets running activities heartbeat before they are cancelled. */
  shutdown(): Promise<void>;
}

/** Which queues a worker process serves: see `Settings.bulkWorkers`. */
export type WorkerLane = 'all' | 'interactive' | 'bulk';

/** The lane of `mailroom worker [--bulk]` under the settings; `--bulk` needs separate bulk workers. */
export function workerLane(settings: Pick<Settings, 'bulkWorkers'>, bulk: boolean): WorkerLane {
  if (settings.bulkWorkers === 'separate') return bulk ? 'bulk' : 'interactive';
  if (bulk) throw new SettingsError('mailroom worker --bulk needs MAILROOM_BULK_WORKERS=separate');
  return 'all';
}

/**
 * Workers on one connection. The `all` and `interactive` lanes serve the main queue (workflows, export and
 * bookkeeping activities) and its `-email` queue, the only one that opens SMTP connections; `all` also
 * serves the `-bulk` queue of large exports' chunks on a few slots. The `bulk` lane serves the `-bulk`
 * queue whole (the large tasks' workflows and activities) and its own `-bulk-email`.
 */
export async function runWorkers(
  settings: Settings,
  deps: ActivityDeps,
  logger: Logger,
  lane: WorkerLane = 'all',
): Promise<RunningWorkers> {
  // The SDK's logs and, for a worker serving /metrics, its metrics: before any connection.
  await installSdkRuntime(logger, settings.workerHealthPort !== undefined);
  const connection: NativeConnection = await connectWorker(settings);
  const common = {
    connection,
    namespace: settings.temporalNamespace,
    shutdownGraceTime: '10 seconds',
    maxConcurrentActivityTaskExecutions: settings.workerActivitySlots,
    interceptors: observeActivities(deps, logger),
  } as const;
  // Compiled (production) workers load the bundle `npm run build` made; from sources, bundle at start.
  const workflows =
    __filename.endsWith('.js') && fs.existsSync(WORKFLOW_BUNDLE_PATH)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: require.resolve('../workflows') };
  const mainActivities = createActivities(deps);
  const queue = lane === 'bulk' ? bulkTaskQueue(settings.taskQueue) : settings.taskQueue;
  const workers = [
    await Worker.create({ ...common, taskQueue: queue, ...workflows, activities: mainActivities }),
    await Worker.create({ ...common, taskQueue: emailTaskQueue(queue), activities: createEmailQueueActivities(deps) }),
  ];
  if (lane === 'all') {
    // Only asked for large exports' chunks here: few at once, so they cannot crowd the event loop.
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: bulkTaskQueue(settings.taskQueue),
        maxConcurrentActivityTaskExecutions: Math.min(BULK_ACTIVITY_SLOTS, settings.workerActivitySlots),
        activities: mainActivities,
      }),
    );
  }
  const done = Promise.all(workers.map((worker) => worker.run())).then(
    async () => connection.close(),
    async (error) => {
      await connection.close();
      throw error;
    },
  );
  // What the bulk-lane alert compares: a deployment that expects bulk workers, and the lanes that answer.
  workerLaneServed.set({ lane }, 1);
  bulkWorkersSeparate.set(settings.bulkWorkers === 'separate' ? 1 : 0);
  logger.info({ taskQueue: queue, lane, namespace: settings.temporalNamespace }, 'worker polling');
  return {
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/**
 * Every lane the settings call for, in this one process (`mailroom dev`, the tests): `all`, or with
 * separate bulk workers an interactive and a bulk lane side by side (at the same CPU priority).
 */
export async function runAllLanes(settings: Settings, deps: ActivityDeps, logger: Logger): Promise<RunningWorkers> {
  if (settings.bulkWorkers === 'shared') return runWorkers(settings, deps, logger, 'all');
  const lanes = [
    await runWorkers(settings, deps, logger, 'interactive'),
    await runWorkers(settings, deps, logger, 'bulk'),
  ];
  return {
    done: Promise.all(lanes.map((lane) => lane.done)).then(() => undefined),
    async shutdown() {
      await Promise.all(lanes.map((lane) => lane.shutdown()));
    },
  };
}
