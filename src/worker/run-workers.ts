import fs from 'node:fs';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, createEmailQueueActivities, type ActivityDeps } from '../activities';
import { observeActivities } from '../observability/activity-interceptor';
import { installSdkRuntime } from '../observability/sdk-runtime';
import { bulkTaskQueue, emailTaskQueue } from '../shared/contracts';
import type { Settings } from '../settings';
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

/**
 * Three workers on one connection: the main queue (workflows, export and bookkeeping activities), the
 * `-email` queue, the only one that opens SMTP connections, and the `-bulk` queue of large exports' chunks.
 */
export async function runWorkers(settings: Settings, deps: ActivityDeps, logger: Logger): Promise<RunningWorkers> {
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
  // The bulk queue serves the same activities as the main queue (it is only asked for export chunks).
  const mainActivities = createActivities(deps);
  const main = await Worker.create({
    ...common,
    taskQueue: settings.taskQueue,
    // Compiled (production) workers load the bundle `npm run build` made; from sources, bundle at start.
    ...(__filename.endsWith('.js') && fs.existsSync(WORKFLOW_BUNDLE_PATH)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: mainActivities,
  });
  const email = await Worker.create({
    ...common,
    taskQueue: emailTaskQueue(settings.taskQueue),
    activities: createEmailQueueActivities(deps),
  });
  const bulk = await Worker.create({
    ...common,
    taskQueue: bulkTaskQueue(settings.taskQueue),
    maxConcurrentActivityTaskExecutions: Math.min(BULK_ACTIVITY_SLOTS, settings.workerActivitySlots),
    activities: mainActivities,
  });
  const done = Promise.all([main.run(), email.run(), bulk.run()]).then(
    async () => connection.close(),
    async (error) => {
      await connection.close();
      throw error;
    },
  );
  logger.info({ taskQueue: settings.taskQueue, namespace: settings.temporalNamespace }, 'worker polling');
  return {
    done,
    async shutdown() {
      for (const worker of [main, email, bulk]) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
