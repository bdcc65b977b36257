import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { MAX_DELIVERY_ATTEMPTS } from '../src/activities/send-deliveries';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createDeliveryPage } from '../src/db/queries/sends';
import { signUnsubscribeToken } from '../src/storage/unsubscribe-links';
import { sendNewsletter } from '../src/workflows';
import { createAudience } from './support/contacts';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { activityRuns, copiesAtServer, failedAttempts } from './support/send-checks';
import { SmtpSink, type ReceivedEmail } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';

const DEFERRED = 'deferred@rules.test';

async function contactIds(sys: TestSystem, tenantId: string, emails: string[]): Promise<Map<string, number>> {
  const rows = await sys.db.database.db
    .selectFrom('contacts')
    .select(['id', 'email'])
    .where('tenant_id', '=', tenantId)
    .where('email', 'in', emails)
    .execute();
  return new Map(rows.map((r) => [r.email, r.id]));
}

async function deliveryOf(sys: TestSystem, newsletterId: number, contactId: number) {
  return sys.db.database.db
    .selectFrom('deliveries')
    .selectAll()
    .where('newsletter_id', '=', newsletterId)
    .where('contact_id', '=', contactId)
    .executeTakeFirstOrThrow();
}

for (const dialect of DIALECTS) {
  describe(`what a send does with each recipient on ${dialect}`, () => {
    let deferredTries = 0;
    const smtp = new SmtpSink({
      rejectRecipient: (address) => {
        if (address !== DEFERRED) return undefined;
        deferredTries++;
        return { code: 451, message: '4.7.1 greylisted, try again later' };
      },
    });
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;

    before(async () => {
      await smtp.start();
      // 20 emails a second: batches of 40, all listed at the start, each taking two seconds to send.
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url, env: { MAILROOM_EMAIL_RATE: '20' } });
      await createAudience(sys.db.database.db, 'rules', { subscribed: 120, extra: [DEFERRED] });
      client = apiClient(sys.url, (await sys.user('rules', 'owner@rules.test')).apiKey);
    });
    after(async () => {
      smtp.beforeReply = undefined;
      await sys?.stop();
      await smtp.stop();
    });

    it('gives up a delivery the server keeps deferring after the attempt limit, and completes the campaign', async () => {
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: 'rules',
        subject: 'Deferred',
        html: '<p>x</p>',
      });
      // The delivery has already been tried and deferred all but twice: the limit takes two more attempts.
      // (MAX_DELIVERY_ATTEMPTS is a constant; retries back off up to 30 s, so twelve real ones take minutes.)
      for (let after: number | undefined = 0; after !== undefined;) {
        after = await createDeliveryPage(sys.db.database.db, 'rules', newsletter.id, after, 5_000);
      }
      const deferredId = (await contactIds(sys, 'rules', [DEFERRED])).get(DEFERRED)!;
      await sys.db.database.db
        .updateTable('deliveries')
        .set({ attempts: MAX_DELIVERY_ATTEMPTS - 2 })
        .where('newsletter_id', '=', newsletter.id)
        .where('contact_id', '=', deferredId)
        .execute();
      deferredTries = 0;

      const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await client.waitForTask(started.body.taskId, 90_000);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.equal(task.result.sent, 120);
      assert.equal(task.result.failed, 1);
      const row = await deliveryOf(sys, newsletter.id, deferredId);
      assert.equal(row.status, 'failed');
      assert.equal(row.attempts, MAX_DELIVERY_ATTEMPTS);
      assert.match(row.last_error ?? '', /451/);
      assert.equal(deferredTries, 2, 'deferred twice more, then given up');
      const runs = await activityRuns([sys.temporal.workflow.getHandle(started.body.taskId)], 'sendDeliveryBatch');
      assert.ok(failedAttempts(runs) >= 1, 'the batch was retried for the deferred delivery');
      const received = smtp.received.filter((e) => e.mail.subject === 'Deferred');
      assert.equal(received.length, 120);
      assert.equal(copiesAtServer(received).duplicates, 0, 'a retried batch resends nothing already accepted');
    });

    it('skips a contact who unsubscribes during the send, even one its batch had already listed', async () => {
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: 'rules',
        subject: 'Unsubscribing',
        html: '<p>x</p>',
      });
      // One in each of the three batches, each batch listed before the first email went out.
      const leaving = ['person30@rules.test', 'person70@rules.test', 'person115@rules.test'];
      const ids = await contactIds(sys, 'rules', leaving);
      // The always-deferring recipient of the test above is not part of this send.
      await sys.db.database.db.updateTable('contacts').set({ unsubscribed: 1 }).where('email', '=', DEFERRED).execute();
      const isNewsletter = (e: ReceivedEmail) => e.mail.subject === 'Unsubscribing';
      let seen = 0;
      let unsubscribedAt: number | undefined;
      const answers: number[] = [];
      smtp.beforeReply = async (email) => {
        if (!isNewsletter(email) || ++seen !== 5) return;
        // Through the one-click link of RFC 8058, as a mail client would.
        for (const email of leaving) {
          const token = signUnsubscribeToken('rules', ids.get(email)!, sys.settings.linkSecret);
          answers.push((await fetch(`${sys.url}/unsubscribe/${token}`, { method: 'POST' })).status);
        }
        unsubscribedAt = Date.now();
      };
      const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await client.waitForTask(started.body.taskId, 90_000);
      smtp.beforeReply = undefined;
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.ok(unsubscribedAt, 'the unsubscribes happened mid-send');
      assert.ok(
        answers.every((status) => status >= 200 && status < 300),
        `unsubscribe answered ${answers.join(', ')}`,
      );
      const received = smtp.received.filter(isNewsletter);
      const after = received.filter((e) => e.receivedAt > unsubscribedAt!);
      assert.ok(after.length > 50, `the send went on after the unsubscribes: ${after.length} more`);
      for (const email of leaving) {
        assert.ok(!received.some((e) => e.envelopeTo.includes(email)), `${email} received nothing`);
        assert.equal((await deliveryOf(sys, newsletter.id, ids.get(email)!)).status, 'skipped');
      }
      assert.equal(task.result.skipped, leaving.length);
      assert.equal(task.result.sent, 120 - leaving.length);
      assert.equal(received.length, 120 - leaving.length);
    });
  });
}

describe('a send that continues as new', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let userId: string;
  const RECIPIENTS = 230;

  before(async () => {
    await smtp.start();
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url, env: { MAILROOM_EMAIL_RATE: '500' } });
    await createAudience(sys.db.database.db, 'can', { subscribed: RECIPIENTS });
    userId = (await sys.user('can', 'owner@can.test')).userId;
  });
  after(async () => {
    await sys?.stop();
    await smtp.stop();
  });

  it('carries its cursor and counts into the next run, and ends with one summary and one notification', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: 'can',
      subject: 'Long campaign',
      html: '<p>x</p>',
    });
    // One delivery per batch: the workflow's 200 batches per run are reached after 200 recipients.
    // (BATCHES_PER_RUN is a constant of the workflow; a batch size of 1 is how a test reaches it.)
    const workflowId = `send-can-${sys.settings.taskQueue}`;
    const handle = await sys.temporal.workflow.start(sendNewsletter, {
      taskQueue: sys.settings.taskQueue,
      workflowId,
      args: [{ tenantId: 'can', userId, newsletterId: newsletter.id, batchSize: 1, concurrency: 4 }],
    });
    const firstRun = sys.temporal.workflow.getHandle(workflowId, handle.firstExecutionRunId);
    const result = await handle.result();
    assert.equal(result.total, RECIPIENTS, 'the total was carried across runs');
    assert.equal(result.sent, RECIPIENTS);

    const history = await firstRun.fetchHistory();
    const continued = history.events!.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    assert.ok(continued, 'the first run continued as new');
    const carried = continued.workflowExecutionContinuedAsNewEventAttributes!.input!.payloads!;
    const state = defaultPayloadConverter.fromPayload<{
      total: number;
      afterContactId: number;
      counts: { sent: number };
    }>(carried[1]!);
    assert.equal(state.total, RECIPIENTS);
    assert.equal(state.counts.sent, 200, 'the first run carried the counts of its 200 one-delivery batches');
    assert.ok(state.afterContactId > 0);
    const firstRunBatches = await activityRuns([firstRun], 'sendDeliveryBatch');
    assert.equal(firstRunBatches.length, 200, 'the first run stopped at 200 batches');

    const received = smtp.received.filter((e) => e.mail.subject === 'Long campaign');
    assert.equal(received.length, RECIPIENTS);
    assert.equal(copiesAtServer(received).copies.size, RECIPIENTS, 'each recipient once, across both runs');
    const summaries = smtp.received.filter((e) => e.envelopeTo.includes('owner@can.test'));
    assert.equal(summaries.length, 1, 'one summary email');
    const notes = await sys.db.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('task_id', '=', workflowId)
      .execute();
    assert.equal(notes.length, 1, 'one notification');
    assert.match(notes[0]!.message, new RegExp(`${RECIPIENTS} sent`));
  });
});
