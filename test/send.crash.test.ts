import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createAudience } from './support/contacts';
import { apiClient } from './support/http';
import { assertOneMessagePerRecipient } from './support/send-checks';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const TENANT = 'crashco';
const RECIPIENTS = 3_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('one email per recipient through crashes and SMTP outages', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let client: ReturnType<typeof apiClient>;
  let subscribed: string[];
  const workers: WorkerProcess[] = [];
  const newsletterMail = () => smtp.received.filter((e) => e.mail.subject?.startsWith('Crash'));

  before(async () => {
    await smtp.start();
    // No in-process worker: the workers are OS processes the test kills.
    sys = await startTestSystem({
      dialect: 'sqlite',
      smtpUrl: smtp.url,
      worker: false,
      env: { MAILROOM_EMAIL_RATE: '300' },
    });
    ({ subscribed } = await createAudience(sys.db.database.db, TENANT, { subscribed: RECIPIENTS, unsubscribed: 50 }));
    client = apiClient(sys.url, (await sys.user(TENANT, 'owner@crashco.test')).apiKey);
  });
  after(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
    await sys?.stop();
    await smtp.stop();
  });

  it('(a) survives three SIGKILLs of its worker mid-send', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: TENANT,
      subject: 'Crash test',
      html: '<p>Hi {{first_name}}</p>',
    });
    workers.push(startWorkerProcess(sys.settings));
    const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(started.status, 202, started.text);
    for (const threshold of [400, 1_200, 2_000]) {
      while (newsletterMail().length < threshold) await sleep(20);
      await workers.at(-1)!.kill('SIGKILL');
      workers.push(startWorkerProcess(sys.settings));
    }
    const task = await client.waitForTask(started.body.taskId, 180_000);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
    const { duplicates } = await assertOneMessagePerRecipient(
      sys.db.database.db,
      newsletter.id,
      newsletterMail(),
      subscribed,
    );
    assert.equal(task.result.sent, RECIPIENTS);
    assert.ok(
      duplicates <= task.result.resent,
      `${duplicates} duplicate copies, ${task.result.resent} counted resends`,
    );
    const [summary] = await smtp.waitFor(
      (e) => e.envelopeTo.includes('owner@crashco.test') && e.mail.subject!.includes('Crash test'),
    );
    if (task.result.resent > 0) assert.match(summary!.mail.text ?? '', /resent: +[\d,]+ after a worker crash/);
  });

  it('(b) finishes after the SMTP server is down for several seconds', async () => {
    smtp.received.length = 0;
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: TENANT,
      subject: 'Crash outage',
      html: '<p>Hi {{first_name}}</p>',
    });
    const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(started.status, 202, started.text);
    while (newsletterMail().length < 800) await sleep(20);
    await smtp.stop();
    await sleep(6_000);
    const duringOutage = newsletterMail().length;
    await smtp.start();
    const task = await client.waitForTask(started.body.taskId, 180_000);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
    assert.ok(duringOutage < RECIPIENTS, 'the outage really interrupted the send');
    await assertOneMessagePerRecipient(sys.db.database.db, newsletter.id, newsletterMail(), subscribed);
    assert.equal(task.result.sent, RECIPIENTS);
    assert.equal(task.result.failed, 0);
  });
});
