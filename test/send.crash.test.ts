import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createAudience } from './support/contacts';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import {
  activityRuns,
  assertOneMessagePerRecipient,
  copiesAtServer,
  countSending,
  failedAttempts,
  pollUntil,
} from './support/send-checks';
import { SmtpSink, type ReceivedEmail } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const RECIPIENTS = 1_500;
/** MAILROOM_SMTP_POOL: the bound on messages whose fate one crash may leave unknown. */
const POOL = 5;
const RATE = 250;
/** Where the kills land, in newsletter messages received by the server: early, middle, late. */
const KILL_AT = [200, 700, 1_200];

for (const dialect of DIALECTS) {
  describe(`a send through SIGKILLs of its worker process on ${dialect}`, () => {
    // A remote server's latency: each message spends a few ms in its SMTP transaction.
    const smtp = new SmtpSink({ acceptDelayMs: 5 });
    const tenant = `crash${dialect}`;
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;
    let subscribed: string[];
    const workers: WorkerProcess[] = [];

    before(async () => {
      await smtp.start();
      // No in-process worker: the workers are OS processes the test kills.
      sys = await startTestSystem({
        dialect,
        smtpUrl: smtp.url,
        worker: false,
        env: { MAILROOM_EMAIL_RATE: String(RATE), MAILROOM_SMTP_POOL: String(POOL) },
      });
      ({ subscribed } = await createAudience(sys.db.database.db, tenant, { subscribed: RECIPIENTS, unsubscribed: 30 }));
      client = apiClient(sys.url, (await sys.user(tenant, `owner@${tenant}.test`)).apiKey);
    });
    after(async () => {
      smtp.beforeReply = undefined;
      for (const worker of workers) await worker.kill('SIGKILL');
      await sys?.stop();
      await smtp.stop();
    });

    it(`loses at most ${POOL} messages' fate per kill, resends only those, and counts them`, async () => {
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: tenant,
        subject: 'Crash test',
        html: '<p>Hi {{first_name}}</p>',
      });
      const isNewsletter = (e: ReceivedEmail) => e.mail.subject === 'Crash test';
      const env = { MAILROOM_SMTP_POOL: String(POOL) };
      workers.push(startWorkerProcess(sys.settings, env));

      // The kill lands while the server holds a message it has not answered yet: the worker dies in an
      // SMTP transaction, with the rest of its pool busy, not between messages.
      const kills: Array<{ at: number; sending: number; killedAt: string }> = [];
      let seen = 0;
      smtp.beforeReply = async (email) => {
        if (!isNewsletter(email)) return;
        seen++;
        if (seen !== KILL_AT[kills.length]) return;
        await workers.at(-1)!.kill('SIGKILL');
        // Rows marked since the previous kill: a batch not yet retried may still hold that kill's rows.
        const since = kills.at(-1)?.killedAt;
        kills.push({
          at: seen,
          sending: await countSending(sys.db.database.db, newsletter.id, since),
          killedAt: new Date().toISOString(),
        });
        workers.push(startWorkerProcess(sys.settings, env));
        throw new Error('the client is dead');
      };

      const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await client.waitForTask(started.body.taskId, 150_000).catch((error: Error) => {
        throw new Error(
          `${error.message}; kills ${JSON.stringify(kills)}; last worker said: ${workers.at(-1)!.output()}`,
        );
      });
      smtp.beforeReply = undefined;
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.equal(kills.length, KILL_AT.length, `all kills landed: ${JSON.stringify(kills)}`);

      const newsletterMail = smtp.received.filter(isNewsletter);
      const { duplicates } = copiesAtServer(newsletterMail);
      const inFlightAtKills = kills.reduce((sum, kill) => sum + kill.sending, 0);
      console.log(
        `${dialect}: ${kills.length} kills, in sending at the kills ${JSON.stringify(kills.map((k) => k.sending))}, ` +
          `${duplicates} duplicate copies at the server, resent ${task.result.resent}`,
      );
      // The kills landed mid-work: deliveries were in flight, and no more than the pool could hold.
      for (const kill of kills) {
        assert.ok(kill.sending >= 1, `rows in sending right after the kill at message ${kill.at}: ${kill.sending}`);
        assert.ok(kill.sending <= POOL, `at most one in-flight message per connection at the kill: ${kill.sending}`);
      }
      // The recovery path ran: batches were retried after each kill.
      const runs = await activityRuns([sys.temporal.workflow.getHandle(started.body.taskId)], 'sendDeliveryBatch');
      assert.ok(failedAttempts(runs) >= kills.length, `retried batch attempts: ${failedAttempts(runs)}`);
      // Every recipient served under one Message-ID, the database agreeing with the server.
      await assertOneMessagePerRecipient(sys.db.database.db, newsletter.id, newsletterMail, subscribed);
      assert.equal(task.result.sent, RECIPIENTS);
      assert.equal(task.result.failed, 0);
      // Each kill held one message at the server unanswered: it must be resent, so it arrives twice.
      assert.ok(duplicates >= kills.length, `${duplicates} duplicates: the held messages were resent`);
      assert.ok(
        duplicates <= kills.length * POOL,
        `${duplicates} duplicates after ${kills.length} kills, pool ${POOL}`,
      );
      assert.ok(duplicates <= task.result.resent, `${duplicates} duplicates, ${task.result.resent} counted resends`);
      assert.ok(task.result.resent > 0);
      assert.ok(
        task.result.resent <= inFlightAtKills,
        `resent ${task.result.resent}: only deliveries in flight at a kill (${inFlightAtKills}) are sent again`,
      );
      const [summary] = await smtp.waitFor(
        (e) => e.envelopeTo.includes(`owner@${tenant}.test`) && e.mail.subject!.includes('Crash test'),
      );
      assert.match(summary!.mail.text ?? '', /resent: +[\d,]+ after a worker crash/);
    });
  });
}

describe('a send through an SMTP outage', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let client: ReturnType<typeof apiClient>;
  let subscribed: string[];
  let worker: WorkerProcess | undefined;

  before(async () => {
    await smtp.start();
    // Its own system and worker: nothing shared with the crash tests.
    sys = await startTestSystem({
      dialect: 'sqlite',
      smtpUrl: smtp.url,
      worker: false,
      env: { MAILROOM_EMAIL_RATE: String(RATE), MAILROOM_SMTP_POOL: String(POOL) },
    });
    worker = startWorkerProcess(sys.settings, { MAILROOM_SMTP_POOL: String(POOL) });
    ({ subscribed } = await createAudience(sys.db.database.db, 'outage', { subscribed: RECIPIENTS }));
    client = apiClient(sys.url, (await sys.user('outage', 'owner@outage.test')).apiKey);
  });
  after(async () => {
    await worker?.kill('SIGKILL');
    await sys?.stop();
    await smtp.stop();
  });

  it('finishes after the SMTP server is down for several seconds, each recipient served once', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: 'outage',
      subject: 'Outage test',
      html: '<p>Hi {{first_name}}</p>',
    });
    const newsletterMail = () => smtp.received.filter((e) => e.mail.subject === 'Outage test');
    const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(started.status, 202, started.text);
    await pollUntil('400 messages before the outage', () => newsletterMail().length >= 400, 60_000);
    await smtp.stop();
    const atStop = newsletterMail().length;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.ok(newsletterMail().length - atStop <= POOL, 'nothing is received while the server is down');
    await smtp.start();
    const task = await client.waitForTask(started.body.taskId, 180_000);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
    assert.ok(atStop < RECIPIENTS, 'the outage interrupted the send');
    const runs = await activityRuns([sys.temporal.workflow.getHandle(started.body.taskId)], 'sendDeliveryBatch');
    assert.ok(failedAttempts(runs) >= 1, 'a batch failed during the outage and was retried');
    const { duplicates } = await assertOneMessagePerRecipient(
      sys.db.database.db,
      newsletter.id,
      newsletterMail(),
      subscribed,
    );
    assert.equal(task.result.sent, RECIPIENTS);
    assert.equal(task.result.failed, 0);
    // Dropped connections leave at most one message per connection of unknown fate, each counted.
    assert.ok(duplicates <= POOL, `${duplicates} duplicates after one outage, pool ${POOL}`);
    assert.ok(duplicates <= task.result.resent, `${duplicates} duplicates, ${task.result.resent} counted resends`);
  });
});
