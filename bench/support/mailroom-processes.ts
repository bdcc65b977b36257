import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/support/ports';
import { startProcess, waitForHttp, type Started } from './processes';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'mailroom.js');

/** Settings the processes under test must not inherit from whoever runs the bench. */
const INHERITED_SETTINGS = [
  'SMTP_URL',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'PUBLIC_BASE_URL',
  'NODE_ENV',
  'LINK_TTL',
  'MAILROOM_TASK_QUEUE',
  'MAILROOM_EMAIL_RATE',
  'MAILROOM_WORKER_ACTIVITY_SLOTS',
  'MAILROOM_BULK_WORKERS',
];

export interface MailroomProcesses {
  apiUrl: string;
  api: Started;
  workers: Started[];
  logs: string[];
  /** Each worker's `/metrics` (process, activity and SDK metrics). */
  workerMetricsUrls: string[];
  stop(): Promise<void>;
}

/**
 * `mailroom api` and `workers` × `mailroom worker` as production runs them (own processes, one data dir
 * they share, the given database and SMTP relay), started on their own task queue; resolves once each
 * answers /healthz. With `bulkWorkers`, as many `mailroom worker --bulk` more (MAILROOM_BULK_WORKERS=separate).
 */
export async function startMailroom(options: {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  workers: number;
  bulkWorkers?: number;
  workDir: string;
  env?: Record<string, string>;
}): Promise<MailroomProcesses> {
  const dataDir = fs.mkdtempSync(path.join(options.workDir, 'data-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS) delete env[name];
  Object.assign(env, {
    TEMPORAL_ADDRESS: options.temporalAddress,
    MAILROOM_DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    MAILROOM_TASK_QUEUE: `bench-${crypto.randomBytes(5).toString('hex')}`,
    LINK_SECRET: crypto.randomBytes(32).toString('hex'),
    SMTP_URL: options.smtpUrl,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...(options.bulkWorkers && { MAILROOM_BULK_WORKERS: 'separate' }),
    ...options.env,
  });
  const logs: string[] = [];
  const workers: Started[] = [];
  const health: Array<{ url: string; process: Started; log: string }> = [];
  try {
    const bulk = options.bulkWorkers ?? 0;
    for (let i = 0; i < options.workers + bulk; i++) {
      const healthPort = await freePort();
      const log = path.join(options.workDir, `worker-${i + 1}.log`);
      const worker = startProcess(
        process.execPath,
        [BIN, 'worker', ...(i >= options.workers ? ['--bulk'] : [])],
        { ...env, MAILROOM_WORKER_HEALTH_PORT: String(healthPort) },
        log,
      );
      workers.push(worker);
      logs.push(log);
      health.push({ url: `http://127.0.0.1:${healthPort}/healthz`, process: worker, log });
    }
    const apiLog = path.join(options.workDir, 'api.log');
    const api = startProcess(process.execPath, [BIN, 'api'], env, apiLog);
    logs.push(apiLog);
    health.push({ url: `http://127.0.0.1:${port}/healthz`, process: api, log: apiLog });
    for (const h of health) await waitForHttp(h.url, h.process, h.log);
    return {
      apiUrl: `http://127.0.0.1:${port}`,
      api,
      workers,
      logs,
      workerMetricsUrls: health.slice(0, workers.length).map((h) => h.url.replace(/\/healthz$/, '/metrics')),
      async stop() {
        await api.stop();
        await Promise.all(workers.map((w) => w.stop()));
      },
    };
  } catch (error) {
    await Promise.all(health.map((h) => h.process.stop(2_000)));
    throw error;
  }
}
