import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { builtinSchedules } from '../schedules/builtin';
import { bulkTaskQueue, CUSTOM_SEARCH_ATTRIBUTES, emailTaskQueue } from '../shared/contracts';
import type { Settings } from '../settings';
import { FAIRNESS_DYNAMIC_CONFIG } from '../temporal/dev-server';
import { fail, guarded, pass, type CheckResult } from './check';

const { TaskQueueType } = temporal.api.enums.v1;
const NOT_FOUND = 5;
/** A poller not seen for this long is gone: live ones poll again at least every ~70 s. */
const POLLER_SEEN_WITHIN_MS = 2 * 60_000;
const CONNECT_TIMEOUT_MS = 3_000;

const notFound = (error: unknown) => isGrpcServiceError(error) && error.code === NOT_FOUND;

/** Every Temporal check; when Temporal (or the namespace) is missing, the ones that need it say so. */
export async function checkTemporal(settings: Settings): Promise<CheckResult[]> {
  const address = settings.temporalAddress;
  const reachFix = `start Temporal (npm run dev starts a dev server; compose: docker compose up -d temporal) or set TEMPORAL_ADDRESS`;
  let connection: Connection | undefined;
  const reachable = await guarded('Temporal reachable', reachFix, async () => {
    connection = await Connection.connect({
      address,
      tls: settings.temporalTls ? {} : undefined,
      apiKey: settings.temporalApiKey,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    const info = await connection.workflowService.getSystemInfo({});
    return pass('Temporal reachable', `${address} (server ${info.serverVersion || 'version unknown'})`);
  });
  const dependents = ['namespace', 'search attributes', 'fairness', 'built-in schedules', 'workers polling'];
  if (!reachable.ok || !connection) {
    await connection?.close().catch(() => undefined);
    return [
      reachable,
      ...dependents.map((name) => fail(name, 'not checked: Temporal unreachable', 'make Temporal reachable first')),
    ];
  }
  const client = new Client({ connection, namespace: settings.temporalNamespace });
  try {
    const namespace = await checkNamespace(connection, settings);
    if (!namespace.ok)
      return [
        reachable,
        namespace,
        ...dependents.slice(1).map((name) => fail(name, 'not checked: no namespace', 'create the namespace first')),
      ];
    return [
      reachable,
      namespace,
      await checkSearchAttributes(connection, settings),
      await checkFairness(connection, settings),
      await checkSchedules(client, settings),
      await checkPollers(connection, settings),
    ];
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function checkNamespace(connection: Connection, { temporalNamespace: namespace }: Settings): Promise<CheckResult> {
  const fix = `temporal operator namespace create --namespace ${namespace} (compose: the temporal-namespace step), or set TEMPORAL_NAMESPACE`;
  return guarded('namespace', fix, async () => {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return pass('namespace', `${namespace} exists`);
    } catch (error) {
      if (notFound(error)) return fail('namespace', `${namespace} does not exist`, fix);
      throw error;
    }
  });
}

function checkSearchAttributes(
  connection: Connection,
  { temporalNamespace: namespace }: Settings,
): Promise<CheckResult> {
  const create = (names: readonly string[]) =>
    `temporal operator search-attribute create --namespace ${namespace} ${names.map((n) => `--name ${n} --type Keyword`).join(' ')}`;
  return guarded('search attributes', create(CUSTOM_SEARCH_ATTRIBUTES), async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((name) => !(name in (customAttributes ?? {})));
    return missing.length === 0
      ? pass('search attributes', `${CUSTOM_SEARCH_ATTRIBUTES.join(', ')} registered`)
      : fail('search attributes', `missing ${missing.join(', ')}`, create(missing));
  });
}

/**
 * Tenants share queues fairly only when the server orders tasks by fairness key across the whole queue:
 * fairness enabled and one partition per queue (DESIGN.md). The server reports its partitions; whether
 * `matching.enableFairness` is on is not exposed by its API, so the same dynamic config file sets both.
 */
function checkFairness(connection: Connection, settings: Settings): Promise<CheckResult> {
  const fix = `set ${FAIRNESS_DYNAMIC_CONFIG.join(', ')} in the server's dynamic config (deploy/temporal/dynamicconfig/mailroom.yaml)`;
  return guarded('fairness', fix, async () => {
    if (settings.temporalApiKey) return pass('fairness', 'Temporal Cloud: partitions and fairness are the service’s');
    const partitions = await connection.workflowService.listTaskQueuePartitions({
      namespace: settings.temporalNamespace,
      taskQueue: { name: settings.taskQueue },
    });
    const counts = [
      partitions.workflowTaskQueuePartitions?.length ?? 0,
      partitions.activityTaskQueuePartitions?.length ?? 0,
    ];
    return counts.every((count) => count <= 1)
      ? pass('fairness', `task queue ${settings.taskQueue} has one partition (fairness orders the whole queue)`)
      : fail(
          'fairness',
          `task queue ${settings.taskQueue} has ${Math.max(...counts)} partitions: tenants are ordered fairly only within each`,
          fix,
        );
  });
}

function checkSchedules(client: Client, settings: Settings): Promise<CheckResult> {
  return guarded('built-in schedules', 'run `mailroom schedules sync`', async () => {
    const missing: string[] = [];
    const paused: string[] = [];
    const schedules = builtinSchedules(settings);
    for (const { scheduleId } of schedules) {
      try {
        const description = await client.schedule.getHandle(scheduleId).describe();
        if (description.state.paused) paused.push(scheduleId);
      } catch (error) {
        if (!notFound(error) && (error as Error).name !== 'ScheduleNotFoundError') throw error;
        missing.push(scheduleId);
      }
    }
    if (missing.length > 0)
      return fail(
        'built-in schedules',
        `missing ${missing.join(', ')}`,
        'run `mailroom schedules sync` (a worker also syncs them at start)',
      );
    if (paused.length > 0)
      return fail(
        'built-in schedules',
        `paused ${paused.join(', ')}`,
        paused.map((id) => `temporal schedule toggle --schedule-id ${id} --unpause --reason "doctor"`).join('; '),
      );
    return pass('built-in schedules', `${schedules.map((s) => s.scheduleId).join(', ')} present, not paused`);
  });
}

function checkPollers(connection: Connection, settings: Settings): Promise<CheckResult> {
  const bulk = bulkTaskQueue(settings.taskQueue);
  const served = (queue: string) => [
    { name: queue, type: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, label: 'workflows' },
    { name: queue, type: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, label: 'activities' },
    { name: emailTaskQueue(queue), type: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, label: 'activities' },
  ];
  // Separate bulk workers serve the bulk queue whole and its own email queue; shared ones only its activities.
  const queues = [
    ...served(settings.taskQueue),
    ...(settings.bulkWorkers === 'separate'
      ? served(bulk)
      : [{ name: bulk, type: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, label: 'activities' }]),
  ];
  const fix =
    settings.bulkWorkers === 'separate'
      ? 'start both lanes: `mailroom worker` and `mailroom worker --bulk` (compose: docker compose up -d worker worker-bulk)'
      : 'start a worker: `mailroom worker` (compose: docker compose up -d worker)';
  return guarded('workers polling', fix, async () => {
    const idle: string[] = [];
    let workers = 0;
    for (const queue of queues) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: settings.temporalNamespace,
        taskQueue: { name: queue.name },
        taskQueueType: queue.type,
      });
      const recent = (pollers ?? []).filter((poller) => {
        const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
        return Date.now() - seconds * 1000 <= POLLER_SEEN_WITHIN_MS;
      });
      workers = Math.max(workers, new Set(recent.map((poller) => poller.identity)).size);
      if (recent.length === 0) idle.push(`${queue.name} (${queue.label})`);
    }
    return idle.length === 0
      ? pass(
          'workers polling',
          `${workers} worker${workers === 1 ? '' : 's'} on ${[...new Set(queues.map((queue) => queue.name))].join(', ')}`,
        )
      : fail('workers polling', `no worker polls ${idle.join(', ')}`, fix);
  });
}
