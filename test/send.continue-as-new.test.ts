import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createAudience } from './support/contacts';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';
import { waitUntil } from './support/wait';

const RECIPIENTS = 160;

for (const dialect of DIALECTS) {
  describe(`a send that continues as new keeps its state, on ${dialect}`, () => {
    const tenant = `canco-${dialect}`;
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;
    let subscribed: string[];

    before(async () => {
      await smtp.start();
      // 20 emails/s gives batches of 40; one batch per run forces a new run for every batch.
      sys = await startTestSystem({
        dialect,
        smtpUrl: smtp.url,
        env: { MAILROOM_EMAIL_RATE: '20', MAILROOM_SEND_BATCHES_PER_RUN: '1' },
      });
      ({ subscribed } = await createAudience(sys.db.database.db, tenant, { subscribed: RECIPIENTS, unsubscribed: 5 }));
      client = apiClient(sys.url, (await sys.user(tenant, `owner@${tenant}.test`)).apiKey);
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it('sends every recipient once over several runs, with one summary and one notification', async () => {
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: tenant,
        subject: `Runs ${dialect}`,
        html: '<p>Hi {{first_name}}</p>',
      });
      const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
      assert.equal(started.status, 202, started.text);
      const taskId: string = started.body.taskId;
      const task = await client.waitForTask(taskId, 120_000);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.deepEqual(
        { sent: task.result.sent, total: task.result.total, failed: task.result.failed },
        { sent: RECIPIENTS, total: RECIPIENTS, failed: 0 },
        'the counts carried across runs add up',
      );

      // Visibility is eventually consistent: read once it lists the last run closed.
      const runs = await waitUntil('every run of the send listed closed', async () => {
        const listed: string[] = [];
        for await (const run of sys.temporal.workflow.list({ query: `WorkflowId = "${taskId}"` }))
          listed.push(run.status.name ?? 'UNKNOWN');
        return listed.includes('COMPLETED') && !listed.includes('RUNNING') && listed;
      });
      assert.ok(runs.length >= 4, `${RECIPIENTS / 40} batches at one per run make at least 4 runs, saw ${runs.length}`);
      assert.equal(runs.filter((status) => status === 'CONTINUED_AS_NEW').length, runs.length - 1, runs.join(', '));

      const copies = new Map<string, number>();
      for (const email of smtp.received.filter((e) => e.mail.subject === `Runs ${dialect}`)) {
        for (const to of email.envelopeTo) copies.set(to, (copies.get(to) ?? 0) + 1);
      }
      assert.deepEqual([...copies.keys()].sort(), [...subscribed].sort(), 'every subscribed contact, nobody else');
      assert.ok(
        [...copies.values()].every((n) => n === 1),
        'one copy each: no batch was sent again by a new run',
      );

      const summaries = await smtp.waitFor((e) => e.envelopeTo.includes(`owner@${tenant}.test`));
      assert.equal(summaries.length, 1, 'one summary email, from the last run only');
      const notifications = await waitUntil('the notification', async () => {
        const listed = await client.get('/v1/notifications');
        const mine = listed.body.items.filter((n: { taskId: string }) => n.taskId === taskId);
        return mine.length > 0 && mine;
      });
      assert.equal(notifications.length, 1, 'one notification');
      assert.match(notifications[0].message, new RegExp(`${RECIPIENTS} sent`));
      assert.deepEqual(task.progress, { phase: 'done', done: RECIPIENTS, total: RECIPIENTS });
    });
  });
}
