import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { builtinScheduleId } from '../../src/schedules/builtin';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/**
 * Issue 11, item 9: `/metrics` is not on the public API port (it is served on MAILROOM_API_METRICS_PORT
 * when that is set), and `mailroom dev` listens on 127.0.0.1 unless HOST says otherwise.
 */
const CLI = path.resolve(__dirname, '../../src/cli/main.ts');

/** True when a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

const externalAddress = () =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('/metrics off the public API port', () => {
  let sys: TestSystem;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    sys = await startTestSystem({
      dialect: 'sqlite',
      worker: false,
      env: { MAILROOM_API_METRICS_PORT: String(metricsPort) },
    });
  });
  after(async () => sys?.stop());

  it('is 404 on the API port, with or without an API key', async () => {
    const { apiKey } = await sys.user('acme', 'alice@acme.test');
    for (const headers of [{}, { Authorization: `Bearer ${apiKey}` }] as Record<string, string>[]) {
      const response = await fetch(`${sys.url}/metrics`, { headers });
      assert.equal(response.status, 404);
      assert.doesNotMatch(await response.text(), /process_cpu|nodejs_|mailroom_/);
    }
  });

  it('is served on MAILROOM_API_METRICS_PORT, with the API’s own metrics', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^process_cpu_user_seconds_total/m);
    assert.match(text, /^mailroom_task_event_streams /m);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/v1/tasks`)).status, 404, 'nothing else there');
  });
});

describe('mailroom dev listens on 127.0.0.1', () => {
  let child: ChildProcess | undefined;
  let output = '';
  let port: number;
  let dataDir: string;
  const taskQueue = `hostile-dev-${crypto.randomBytes(4).toString('hex')}`;

  before(async () => {
    port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-hostile-dev-'));
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'dev'], {
      env: {
        ...process.env,
        HOST: '',
        PORT: String(port),
        MAILROOM_DATA_DIR: dataDir,
        MAILROOM_TASK_QUEUE: taskQueue,
        MAILROOM_DEMO_CONTACTS: '20',
        DATABASE_URL: '',
        SMTP_URL: '',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await waitUntil(
      'mailroom dev to print its API URL',
      () => / {2}API {10}\S+/.test(output) || child!.exitCode !== null,
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(child.exitCode, null, output);
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The built-in schedules it synced on the suite's server: remove them.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    const client = new Client({ connection });
    for (const name of ['purgeExpiredExports', 'dailyDigest']) {
      await client.schedule
        .getHandle(builtinScheduleId(taskQueue, name))
        .delete()
        .catch(() => undefined);
    }
    await connection.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers on 127.0.0.1, refuses connections on other interfaces, and prints that URL', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const external = externalAddress();
    if (external) assert.equal(await accepts(external, port), false, `reachable on ${external}:${port}`);
    assert.equal(await accepts('::1', port), false, 'not on the IPv6 loopback either: only 127.0.0.1');
    assert.match(output, new RegExp(` {2}API {10}http://127\\.0\\.0\\.1:${port}\\b`), output);
  });
});
