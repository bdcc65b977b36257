import os from 'node:os';
import { createLogger } from '../../logger';
import { loadSettings } from '../../settings';
import { buildActivityDeps } from '../../worker/activity-deps';
import { startWorkerHealthServer } from '../../worker/health-server';
import { runWorkers, workerLane } from '../../worker/run-workers';
import { untilSignal } from '../action';
import { syncSchedulesAtStart } from './schedules';

/**
 * How long a stopping worker may take in all: the SDK's grace time (running activities finish, then are
 * cancelled and hand their attempt back with its heartbeat) plus the time they take to stop. Compose's
 * `stop_grace_period` and systemd's `TimeoutStopSec` are longer, so SIGKILL never comes first.
 */
export const WORKER_STOP_DEADLINE_MS = 45_000;

/** A bulk worker's CPU priority (nice, 0 the default and 19 the lowest). */
const BULK_NICE = 10;

/**
 * `mailroom worker [--bulk]` (`--bulk`: the bulk lane, with MAILROOM_BULK_WORKERS=separate). SIGTERM or
 * SIGINT is a graceful stop: /healthz turns 503, polling stops, activities in flight finish or hand back,
 * and the process exits 0 (1 if it had to give up after the deadline, or on a second signal).
 */
export async function worker(options: { bulk?: boolean } = {}): Promise<void> {
  const settings = loadSettings();
  const lane = workerLane(settings, options.bulk === true);
  const logger = createLogger(settings.logLevel, lane === 'bulk' ? 'mailroom-worker-bulk' : 'mailroom-worker');
  // When the cores are busy the OS runs every interactive process (API, worker, Temporal) first.
  if (lane === 'bulk') os.setPriority(BULK_NICE);
  const deps = buildActivityDeps(settings);
  const running = await runWorkers(settings, deps, logger, lane);
  await syncSchedulesAtStart(settings, logger);
  let polling = true;
  running.done.catch(() => undefined).finally(() => (polling = false));
  const health =
    settings.workerHealthPort === undefined
      ? undefined
      : startWorkerHealthServer(settings.workerHealthPort, () => polling);
  const stopped = await Promise.race([untilSignal(), running.done.then(() => 'stopped' as const)]);
  polling = false;
  logger.info({ reason: stopped }, 'worker stopping: no new tasks, running activities finish or hand back');
  const giveUp = (why: string) => {
    logger.error(why);
    process.exit(1);
  };
  if (stopped !== 'stopped') process.once(stopped, () => giveUp('second signal while stopping: exiting now'));
  const deadline = setTimeout(() => giveUp('activities still running at the stop deadline'), WORKER_STOP_DEADLINE_MS);
  await running.shutdown();
  clearTimeout(deadline);
  health?.close();
  await deps.close();
  logger.info('worker stopped');
  // Nothing should be left holding the event loop; if something is, it must not turn a clean stop into a hang.
  setTimeout(() => process.exit(0), 2_000).unref();
}
