import type { Logger } from 'pino';
import { syncBuiltinSchedules, type SyncOutcome } from '../../schedules/builtin';
import { loadSettings, type Settings } from '../../settings';
import { connectClient } from '../../temporal/connect';

async function syncWithOwnClient(settings: Settings): Promise<SyncOutcome[]> {
  const client = await connectClient(settings);
  try {
    return await syncBuiltinSchedules(client, settings);
  } finally {
    await client.connection.close();
  }
}

/** `mailroom schedules sync`: makes the built-in schedules on the server match the code. */
export async function schedulesSync(): Promise<void> {
  const settings = loadSettings();
  for (const { scheduleId, outcome } of await syncWithOwnClient(settings))
    console.log(`${outcome} schedule ${scheduleId}`);
}

/**
 * Run by `mailroom dev` and `mailroom worker` once their workers poll. A failure is logged, not fatal:
 * the worker still serves every other task, and `mailroom schedules sync` can be run again by hand.
 */
export async function syncSchedulesAtStart(settings: Settings, logger: Logger): Promise<void> {
  try {
    const outcomes = await syncWithOwnClient(settings);
    logger.info({ schedules: outcomes }, 'built-in schedules in sync');
  } catch (error) {
    logger.error({ err: error }, 'could not sync the built-in schedules; run `mailroom schedules sync`');
  }
}
