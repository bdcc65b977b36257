import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '../../db/connect';
import { migrateToLatest } from '../../db/migrate';
import { findNewsletterBySubject } from '../../db/queries/newsletters';
import { findUserByApiKey, issueApiKey } from '../../db/queries/users';
import { DEMO_TENANT, DEMO_USER_EMAIL, HEADLINE_SUBJECT } from '../../db/seed';
import { createLogger } from '../../logger';
import { loadSettings, type Settings } from '../../settings';
import { findTemporalCli } from '../../temporal/cli-binary';
import { startDevServer, temporalAnswers, type DevServer } from '../../temporal/dev-server';
import { buildActivityDeps } from '../../worker/activity-deps';
import { startWorkerHealthServer } from '../../worker/health-server';
import { runAllLanes } from '../../worker/run-workers';
import { UsageError, untilSignal } from '../action';
import { startApi } from './api';
import { seedWithProgress } from './admin';
import { syncSchedulesAtStart } from './schedules';
import { signInLink } from './users';

/**
 * Everything on one machine: a Temporal dev server unless one answers, the migrated and seeded embedded
 * database, worker and API in this process. Ctrl-C stops all of it.
 */
export async function dev(): Promise<void> {
  const settings = devSettings(loadSettings());
  const logger = createLogger(settings.logLevel, 'mailroom-dev');
  fs.mkdirSync(settings.dataDir, { recursive: true });

  let temporal: DevServer | undefined;
  if (!(await temporalAnswers(settings.temporalAddress))) {
    const cliPath = findTemporalCli((line) => console.log(line));
    if (!cliPath) throw new UsageError('no temporal CLI found and no Go toolchain to build one; set TEMPORAL_CLI_PATH');
    const [ip, port] = settings.temporalAddress.split(':') as [string, string];
    console.log(`starting the Temporal dev server at ${settings.temporalAddress}…`);
    temporal = await startDevServer({
      cliPath,
      ip,
      port: Number(port),
      uiPort: Number(port) + 1000,
      dbFile: path.join(settings.dataDir, 'temporal.sqlite'),
      logFile: path.join(settings.dataDir, 'temporal.log'),
    });
  }

  const database = connectDatabase(settings.databaseUrl);
  await migrateToLatest(database);
  if (await seedWithProgress(database, settings.demoContacts))
    console.log(`seeded ${settings.demoContacts} demo contacts`);
  const apiKey = await demoApiKey(settings, database);
  const pageLink = await signInLink(
    database.db,
    settings.publicBaseUrl,
    (await findUserByApiKey(database.db, apiKey))!.id,
  );
  const headline = await findNewsletterBySubject(database.db, DEMO_TENANT, HEADLINE_SUBJECT);
  await database.close();

  const deps = buildActivityDeps(settings);
  const workers = await runAllLanes(settings, deps, logger);
  // The workers' /metrics (SDK and domain metrics) when MAILROOM_WORKER_HEALTH_PORT is set, on the API's host.
  const health =
    settings.workerHealthPort === undefined
      ? undefined
      : startWorkerHealthServer(settings.workerHealthPort, () => true, settings.host);
  await syncSchedulesAtStart(settings, logger);
  const api = await startApi(settings, logger);
  const ui =
    temporal?.uiUrl ??
    `http://${settings.temporalAddress.split(':')[0]}:${Number(settings.temporalAddress.split(':')[1]) + 1000}`;
  console.log(
    [
      '',
      `mailroom is running (task queue ${settings.taskQueue}, data in ${settings.dataDir})`,
      `  API          ${api.url}`,
      `  Temporal UI  ${ui}`,
      `  outbox       ${settings.smtpUrl ? settings.smtpUrl : path.join(settings.dataDir, 'outbox')}`,
      `  demo API key ${apiKey}  (also in ${path.join(settings.dataDir, 'demo-api-key')})`,
      `  task page    ${pageLink}  (signs ${DEMO_USER_EMAIL} in once, within 15 minutes)`,
      '',
      'Export the statistics of the demo newsletter:',
      `  curl -s -X POST ${api.url}/v1/exports -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '{"newsletterId": ${headline?.id ?? 1}}'`,
      'then follow it with GET /v1/tasks/<taskId>; the link arrives by email. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  await Promise.race([untilSignal(), workers.done]);
  console.log('stopping…');
  await api.close();
  health?.close();
  await workers.shutdown().catch(() => undefined);
  await deps.close();
  await temporal?.stop();
}

/**
 * Two dev instances on one Temporal server stay apart: a non-default data dir gets its own task queue.
 * The API listens on 127.0.0.1 unless HOST is set.
 */
function devSettings(settings: Settings): Settings {
  // The API listens on the loopback only unless HOST says otherwise: a dev instance has a demo key.
  const local = { ...settings, host: settings.host ?? '127.0.0.1' };
  if (process.env.MAILROOM_TASK_QUEUE || settings.dataDir === path.resolve('data')) return local;
  const suffix = crypto.createHash('sha256').update(settings.dataDir).digest('hex').slice(0, 8);
  return { ...local, taskQueue: `${settings.taskQueue}-${suffix}` };
}

/** Reuses the key in `<data dir>/demo-api-key` while it still works, else issues a new one. */
async function demoApiKey(settings: Settings, database: ReturnType<typeof connectDatabase>): Promise<string> {
  const file = path.join(settings.dataDir, 'demo-api-key');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (existing && (await findUserByApiKey(database.db, existing))) return existing;
  const { apiKey } = await issueApiKey(database.db, DEMO_TENANT, DEMO_USER_EMAIL);
  fs.writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  return apiKey;
}
