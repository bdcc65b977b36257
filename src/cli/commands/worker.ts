import { createLogger } from '../../logger';
import { loadSettings } from '../../settings';
import { buildActivityDeps } from '../../worker/activity-deps';
import { startWorkerHealthServer } from '../../worker/health-server';
import { runWorkers } from '../../worker/run-workers';
import { untilSignal } from '../action';
import { syncSchedulesAtStart } from './schedules';

export async function worker(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel, 'mailroom-worker');
  const deps = buildActivityDeps(settings);
  const running = await runWorkers(settings, deps, logger);
  await syncSchedulesAtStart(settings, logger);
  let polling = true;
  running.done.catch(() => undefined).finally(() => (polling = false));
  const health =
    settings.workerHealthPort === undefined
      ? undefined
      : startWorkerHealthServer(settings.workerHealthPort, () => polling);
  const stopped = await Promise.race([untilSignal(), running.done.then(() => 'stopped' as const)]);
  logger.info({ reason: stopped }, 'worker stopping');
  await running.shutdown();
  health?.close();
  await deps.close();
}
