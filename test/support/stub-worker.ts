import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { EmailQueueActivities, MainActivities } from '../../src/activities';
import { emailTaskQueue } from '../../src/shared/contracts';

export type AllActivities = MainActivities & EmailQueueActivities;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Runs `fn` against the real workflow code on the suite's dev server, with stubbed activities on both task
 * queues: for tests of a workflow's own logic (ordering, signals, failure paths), not of the activities.
 * The bundle is built once per test file.
 */
export async function withStubbedActivities<T>(
  activities: Partial<AllActivities>,
  fn: (context: { client: Client; taskQueue: string }) => Promise<T>,
): Promise<T> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run through test/run.ts');
  if (!bundle) {
    // Once per test file's process: the SDK's per-worker state lines would bury the test report.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    bundle = bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  }
  const workflowBundle = await bundle;
  const taskQueue = `stub-${crypto.randomBytes(5).toString('hex')}`;
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const workers = await Promise.all(
    [taskQueue, emailTaskQueue(taskQueue)].map((queue) =>
      Worker.create({ connection, taskQueue: queue, workflowBundle, activities }),
    ),
  );
  const running = workers.map((worker) => worker.run());
  try {
    return await fn({ client: new Client({ connection: clientConnection }), taskQueue });
  } finally {
    for (const worker of workers) worker.shutdown();
    await Promise.all(running);
    await clientConnection.close();
    await connection.close();
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
