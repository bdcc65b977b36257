import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { startDevServer, startDevServerOnFreePort, type DevServer } from '../../src/temporal/dev-server';
import { createAudience } from '../support/contacts';
import { apiClient } from '../support/http';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/** How long an answer may take while Temporal is down: the promise is ~1 s (readyz) and ~2 s (starts). */
const PROMPT_MS = 4_000;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('a Temporal outage: prompt 503s, finished tasks still readable, back within seconds', () => {
  const smtp = new SmtpSink();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-outage-'));
  const cliPath = process.env.MAILROOM_TEST_TEMPORAL_CLI!;
  const serverFiles = { cliPath, dbFile: path.join(stateDir, 'temporal.sqlite'), logFile: path.join(stateDir, 'log') };
  let temporal: DevServer;
  let sys: TestSystem;
  let client: ReturnType<typeof apiClient>;
  let newsletterId: number;

  before(async () => {
    await smtp.start();
    // A Temporal server of its own, to stop and start again (its state survives in its SQLite file).
    temporal = await startDevServerOnFreePort(serverFiles);
    sys = await startTestSystem({
      dialect: 'sqlite',
      smtpUrl: smtp.url,
      env: { TEMPORAL_ADDRESS: temporal.address, MAILROOM_EMAIL_RATE: '2' },
    });
    newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 20 }))!.newsletters.headline;
    client = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'outage@demo.test')).apiKey);
  });
  after(async () => {
    await sys?.stop().catch(() => undefined);
    await temporal?.stop();
    await smtp.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('answers promptly and from its own records while Temporal is down', async () => {
    const exported = await client.post('/v1/exports', { newsletterId });
    const finished = await client.waitForTask(exported.body.taskId);
    assert.equal(finished.status, 'COMPLETED');
    // A send held open by a pause: a task that is running when Temporal goes away.
    await createAudience(sys.db.database.db, DEMO_TENANT, { subscribed: 0, extra: ['a@held.test', 'b@held.test'] });
    const draft = await createNewsletter(sys.db.database.db, {
      tenantId: DEMO_TENANT,
      subject: 'Held',
      html: '<p>x</p>',
    });
    const send = await client.post(`/v1/newsletters/${draft.id}/send`);
    assert.equal((await client.post(`/v1/tasks/${send.body.taskId}/pause`)).status, 202);
    assert.equal((await client.get('/readyz')).status, 200);

    await temporal.stop();

    const ready = await timed(() => client.get('/readyz'));
    assert.equal(ready.value.status, 503);
    assert.deepEqual(ready.value.body.down, ['temporal']);
    assert.ok(ready.ms < PROMPT_MS, `/readyz answered in ${ready.ms} ms`);

    const tasksBefore = await sys.db.database.db.selectFrom('tasks').select('id').execute();
    const start = await timed(() => client.post('/v1/exports', { newsletterId }));
    assert.equal(start.value.status, 503, start.value.text);
    assert.equal(start.value.body.error.code, 'unavailable');
    assert.ok(Number(start.value.headers.get('retry-after')) > 0, 'Retry-After');
    assert.ok(start.ms < PROMPT_MS, `the start was refused in ${start.ms} ms`);
    const tasksAfter = await sys.db.database.db.selectFrom('tasks').select('id').execute();
    assert.equal(tasksAfter.length, tasksBefore.length, 'nothing was recorded for the refused start');

    const read = await timed(() => client.get(`/v1/tasks/${finished.taskId}`));
    assert.equal(read.value.status, 200);
    assert.deepEqual(
      { status: read.value.body.status, rows: read.value.body.result.rows, sha256: read.value.body.result.sha256 },
      { status: 'COMPLETED', rows: finished.result.rows, sha256: finished.result.sha256 },
      'a finished task reads as it did',
    );
    assert.ok(read.value.body.result.downloadUrl, 'its link is still minted');
    const open = await client.get(`/v1/tasks/${send.body.taskId}`);
    assert.equal(open.status, 200);
    assert.equal(open.body.status, 'RUNNING');
    assert.equal(open.body.live, false, 'a running task says its state is not live, rather than guess');

    temporal = await startDevServer({ ...serverFiles, port: Number(temporal.address.split(':')[1]) });
    const back = Date.now();
    await waitUntil('/readyz to answer 200 again', async () => (await client.get('/readyz')).status === 200, {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    assert.ok(Date.now() - back < 10_000, `ready again ${Date.now() - back} ms after Temporal came back`);
    assert.equal((await client.post(`/v1/tasks/${send.body.taskId}/cancel`)).status, 202);
  });
});
