import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startApi, type RunningApi } from '../../src/cli/commands/api';
import { ensureTenant } from '../../src/db/queries/tenants';
import { issueApiKey } from '../../src/db/queries/users';
import type { Dialect } from '../../src/db/schema';
import { loadSettings, type Settings } from '../../src/settings';
import { connectClient } from '../../src/temporal/connect';
import { buildActivityDeps } from '../../src/worker/activity-deps';
import { runAllLanes, type RunningWorkers } from '../../src/worker/run-workers';
import type { Client } from '@temporalio/client';
import { createTestDatabase, type TestDatabase } from './databases';
import { freePort } from './ports';

export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

/** Settings for one test: its own data dir, database and task queue on the shared dev server. */
export async function testSettings(overrides: Record<string, string | undefined>): Promise<Settings> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-data-'));
  return loadSettings({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_TASK_QUEUE: `test-${crypto.randomBytes(5).toString('hex')}`,
    LINK_SECRET: crypto.randomBytes(32).toString('hex'),
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

export interface TestSystem {
  settings: Settings;
  db: TestDatabase;
  temporal: Client;
  api?: RunningApi;
  workers?: RunningWorkers;
  /** Base URL of the API. */
  url: string;
  /** Creates a user (and tenant) and returns its API key. */
  user(tenantId: string, email: string): Promise<{ apiKey: string; userId: string }>;
  stop(): Promise<void>;
}

/** The real thing, in-process: migrated database, workers on the dev server, the API on a free port. */
export async function startTestSystem(options: {
  dialect: Dialect;
  smtpUrl?: string;
  worker?: boolean;
  /** More settings, e.g. `{ LINK_TTL: '3s' }`. */
  env?: Record<string, string>;
}): Promise<TestSystem> {
  const db = await createTestDatabase(options.dialect);
  const settings = await testSettings({ DATABASE_URL: db.url, SMTP_URL: options.smtpUrl, ...options.env });
  const deps = options.worker === false ? undefined : buildActivityDeps(settings);
  const workers = deps ? await runAllLanes(settings, deps, testLogger) : undefined;
  const api = await startApi(settings, testLogger);
  const temporal = await connectClient(settings);
  return {
    settings,
    db,
    temporal,
    api,
    workers,
    url: api.url,
    async user(tenantId, email) {
      await ensureTenant(db.database.db, tenantId);
      const { apiKey, user } = await issueApiKey(db.database.db, tenantId, email);
      return { apiKey, userId: user.id };
    },
    async stop() {
      await api.close();
      await workers?.shutdown();
      await deps?.close();
      await temporal.connection.close();
      await db.drop();
      fs.rmSync(settings.dataDir, { recursive: true, force: true });
    },
  };
}
