import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { issueApiKey } from '../../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { createAudience } from '../support/contacts';
import { expectedStatsRows, parseCsv } from '../support/expected-csv';
import { apiClient } from '../support/http';
import { assertOneMessagePerRecipient, pollUntil } from '../support/send-checks';
import { SmtpSink } from '../support/smtp-sink';
import { openEventStream } from '../support/sse';
import { startTestSystem, type TestSystem } from '../support/system';
import { startMailroom, type Proc } from './processes';

/** Everything a `mailroom worker` or `mailroom api` process needs to join this test's system. */
const processEnv = (sys: TestSystem): Record<string, string> => ({
  TEMPORAL_ADDRESS: sys.settings.temporalAddress,
  MAILROOM_TASK_QUEUE: sys.settings.taskQueue,
  MAILROOM_DATA_DIR: sys.settings.dataDir,
  DATABASE_URL: sys.settings.databaseUrl,
  LINK_SECRET: sys.settings.linkSecret,
  PUBLIC_BASE_URL: sys.settings.publicBaseUrl,
  SMTP_URL: sys.settings.smtpUrl ?? '',
  MAILROOM_EMAIL_RATE: String(sys.settings.emailRate),
  LOG_LEVEL: 'info',
});

/** The worker that runs (or last ran) the pending activity of this type, by its `<pid>@` identity. */
async function runningOn(sys: TestSystem, workflowId: string, activityType: string, workers: Proc[]) {
  return pollUntil(
    `a worker running ${activityType}`,
    async () => {
      const pending = (await sys.temporal.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
      const identity = pending.find((a) => a.activityType?.name === activityType)?.lastWorkerIdentity ?? '';
      return workers.find((w) => w.running() && identity.startsWith(w.identityPrefix));
    },
    60_000,
    100,
  );
}

describe('SIGTERM on a worker: it stops polling, lets its activities finish or hand back, exits 0', () => {
  const RECIPIENTS = 2_000;
  const smtp = new SmtpSink({ acceptDelayMs: 2 });
  let sys: TestSystem;
  const workers: Proc[] = [];
  const startWorker = () => {
    const worker = startMailroom('worker', processEnv(sys), { name: `worker-${workers.length + 1}` });
    workers.push(worker);
    return worker;
  };

  before(async () => {
    await smtp.start();
    // The workers are OS processes the test signals; the API runs in the test.
    sys = await startTestSystem({
      dialect: 'postgres',
      smtpUrl: smtp.url,
      worker: false,
      env: { MAILROOM_EMAIL_RATE: '200' },
    });
    startWorker();
    startWorker();
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await sys?.stop();
    await smtp.stop();
  });

  it('mid-send: the other worker goes on, and nobody gets a second copy', async () => {
    const tenant = 'graceful-send';
    const { subscribed } = await createAudience(sys.db.database.db, tenant, { subscribed: RECIPIENTS });
    const client = apiClient(sys.url, (await sys.user(tenant, `owner@${tenant}.test`)).apiKey);
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: tenant,
      subject: 'Graceful send',
      html: '<p>Hi {{first_name}}</p>',
    });
    const newsletterMail = () => smtp.received.filter((e) => e.mail.subject === 'Graceful send');
    const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(started.status, 202, started.text);

    const stopping = await runningOn(sys, started.body.taskId, 'sendDeliveryBatch', workers);
    await pollUntil('a fifth of the send', () => newsletterMail().length >= RECIPIENTS / 5, 90_000);
    const code = await stopping.stop('SIGTERM');
    assert.equal(code, 0, `the stopped worker exits 0; it said:\n${stopping.output()}`);
    assert.match(stopping.output(), /worker stopped/);
    assert.ok(newsletterMail().length < RECIPIENTS, 'the stop happened mid-send');

    const task = await client.waitForTask(started.body.taskId, 150_000);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
    const { duplicates } = await assertOneMessagePerRecipient(
      sys.db.database.db,
      newsletter.id,
      newsletterMail(),
      subscribed,
    );
    assert.equal(duplicates, 0, 'a graceful stop resends nothing');
    assert.equal(task.result.resent, 0);
    assert.equal(task.result.sent, RECIPIENTS);
  });

  it('mid-export: the file is whole, one email and one notification', async () => {
    startWorker();
    const contacts = 60_000;
    const newsletterId = (await seedDemoTenant(sys.db.database, { contacts }))!.newsletters.headline;
    const { apiKey, user } = await issueApiKey(sys.db.database.db, DEMO_TENANT, 'graceful@demo.test');
    const client = apiClient(sys.url, apiKey);
    const started = await client.post('/v1/exports', { newsletterId });
    assert.equal(started.status, 202, started.text);

    const stopping = await runningOn(sys, started.body.taskId, 'writeStatsCsvChunk', workers);
    const code = await stopping.stop('SIGTERM');
    assert.equal(code, 0, `the stopped worker exits 0; it said:\n${stopping.output()}`);

    const task = await client.waitForTask(started.body.taskId, 120_000);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
    const download = await fetch(task.result.downloadUrl);
    assert.equal(download.status, 200);
    const rows = parseCsv(await download.text());
    assert.deepEqual(rows.slice(1), await expectedStatsRows(sys.db.database.db, newsletterId));
    const ready = await smtp.waitFor((e) => e.envelopeTo.includes(user.email) && /export/i.test(e.mail.subject ?? ''));
    assert.equal(ready.length, 1, 'one email with the link');
    const notes = await client.get('/v1/notifications');
    assert.equal(notes.body.items.filter((n: { taskId: string }) => n.taskId === started.body.taskId).length, 1);
  });
});

describe('SIGTERM on the API: open requests finish, event streams end cleanly, then it exits 0', () => {
  let sys: TestSystem;
  let api: Proc | undefined;

  before(async () => {
    // No worker: the task the stream follows stays RUNNING.
    sys = await startTestSystem({ dialect: 'postgres', worker: false });
    await sys.api!.close();
  });
  after(async () => {
    await api?.stop('SIGKILL');
    await sys?.stop();
  });

  it('drains', async () => {
    const { apiKey } = await sys.user('drain', 'owner@drain.test');
    const port = sys.settings.port;
    api = startMailroom('api', { ...processEnv(sys), PORT: String(port), HOST: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    const client = apiClient(base, apiKey);
    await pollUntil(
      'the API process to answer',
      () =>
        client.get('/healthz').then(
          (r) => r.status === 200,
          () => false,
        ),
      60_000,
      200,
    );

    const draft = await client.post('/v1/newsletters', { subject: 'Drain', html: '<p>x</p>' });
    const export_ = await client.post('/v1/exports', { newsletterId: draft.body.id });
    assert.equal(export_.status, 202, export_.text);
    const stream = await openEventStream(`${base}/v1/tasks/${export_.body.taskId}/events`, apiKey);
    assert.equal(stream.response.status, 200);
    const first = await stream.messages.next();
    assert.equal(first.done, false);

    // An import whose body is still arriving when the signal comes.
    const header = 'email,first_name,last_name\n';
    let slowRequest: http.ClientRequest | undefined;
    const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/v1/contacts/import`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/csv' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(header);
      slowRequest = req;
    });
    // Under way for certain once the API has opened the upload's part file.
    const importsDir = path.join(sys.settings.dataDir, 'imports');
    await pollUntil(
      'the import request to be under way',
      () =>
        fs.existsSync(importsDir) &&
        fs.readdirSync(importsDir, { recursive: true }).some((f) => String(f).endsWith('.part')),
      20_000,
    );

    api.child.kill('SIGTERM');
    // The stream ends at an event boundary, without an error: an EventSource would reconnect elsewhere.
    const rest: unknown[] = [];
    for await (const message of stream.messages) rest.push(message);
    await pollUntil(
      'the listener to close',
      () =>
        fetch(`${base}/healthz`).then(
          () => false,
          () => true,
        ),
      20_000,
      100,
    );
    slowRequest!.end('ann@drain.test,Ann,Lee\n');
    const imported = await slow;
    assert.equal(imported.status, 202, imported.body);
    assert.equal(await api.exited, 0, `the API exits 0; it said:\n${api.output()}`);
    assert.match(api.output(), /API stopped/);
  });
});
