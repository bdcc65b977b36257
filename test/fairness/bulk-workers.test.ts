import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { createDeliveryPage } from '../../src/db/queries/sends';
import { seedDemoTenant } from '../../src/db/seed';
import { loadSettings } from '../../src/settings';
import { workerLane } from '../../src/worker/run-workers';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { assertOneMessagePerRecipient } from '../support/send-checks';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';

/** The task queue of the workflow and of each activity it scheduled, by activity type. */
async function queuesOf(temporal: Client, workflowId: string) {
  const handle = temporal.workflow.getHandle(workflowId);
  const workflow = (await handle.describe()).taskQueue;
  const activities = new Map<string, Set<string>>();
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const type = scheduled.activityType!.name!;
    activities.set(type, (activities.get(type) ?? new Set()).add(scheduled.taskQueue!.name!));
  }
  return { workflow, activities: Object.fromEntries([...activities].map(([type, set]) => [type, [...set]])) };
}

for (const dialect of DIALECTS) {
  describe(`separate bulk workers (MAILROOM_BULK_WORKERS=separate), on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let big: ReturnType<typeof apiClient>;
    let bigSender: ReturnType<typeof apiClient>;
    let small: ReturnType<typeof apiClient>;
    let headline: number;
    let bigDraft: number;
    let bigAudience: string[];
    let smallNewsletter: number;
    let smallDraft: number;
    let smallAudience: string[];
    const bigSendTenant = `big-send-${dialect}`;
    const smallTenant = `small-${dialect}`;

    before(async () => {
      await smtp.start();
      // Both lanes in this process, as `mailroom dev` runs them: the routing is what is tested here.
      sys = await startTestSystem({
        dialect,
        smtpUrl: smtp.url,
        env: { MAILROOM_BULK_WORKERS: 'separate', MAILROOM_EMAIL_RATE: '1000' },
      });
      const seeded = (await seedDemoTenant(sys.db.database, { contacts: 1_500 }))!;
      headline = seeded.newsletters.headline;
      big = apiClient(sys.url, (await sys.user(seeded.tenantId, 'big@demo.test')).apiKey);
      const db = sys.db.database.db;
      // The recipients each send must reach, known here rather than read back from the send.
      bigAudience = (await createAudience(db, bigSendTenant, { subscribed: 1_200, unsubscribed: 3 })).subscribed;
      bigSender = apiClient(sys.url, (await sys.user(bigSendTenant, `owner@${bigSendTenant}.test`)).apiKey);
      bigDraft = (await createNewsletter(db, { tenantId: bigSendTenant, subject: 'Large send', html: '<p>Hi</p>' })).id;
      smallAudience = (await createAudience(db, smallTenant, { subscribed: 2 })).subscribed;
      small = apiClient(sys.url, (await sys.user(smallTenant, `owner@${smallTenant}.test`)).apiKey);
      smallNewsletter = (await createNewsletter(db, { tenantId: smallTenant, subject: 'Two rows', html: '<p>x</p>' }))
        .id;
      await createDeliveryPage(db, smallTenant, smallNewsletter, 0, 10);
      smallDraft = (await createNewsletter(db, { tenantId: smallTenant, subject: 'Small send', html: '<p>Hi</p>' })).id;
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    /** A large tenant's task and the small one's, started together; both completed. */
    async function runBoth(
      largeClient: ReturnType<typeof apiClient>,
      largePath: string,
      smallPath: string,
      body?: [object, object],
    ) {
      const [large, little] = await Promise.all([
        largeClient.post(largePath, body?.[0]),
        small.post(smallPath, body?.[1]),
      ]);
      assert.deepEqual([large.status, little.status], [202, 202], large.text);
      const [largeDone, littleDone] = await Promise.all([
        largeClient.waitForTask(large.body.taskId, 120_000),
        small.waitForTask(little.body.taskId, 120_000),
      ]);
      assert.equal(largeDone.status, 'COMPLETED', JSON.stringify(largeDone));
      assert.equal(littleDone.status, 'COMPLETED', JSON.stringify(littleDone));
      return { large, little, largeDone, littleDone };
    }

    it('runs a large export whole on the bulk queues, and a small one on the main queues', async () => {
      const queue = sys.settings.taskQueue;
      const { large, little, largeDone } = await runBoth(big, '/v1/exports', '/v1/exports', [
        { newsletterId: headline },
        { newsletterId: smallNewsletter },
      ]);
      assert.ok(largeDone.result.rows > 1_000, `${largeDone.result.rows} rows`);

      assert.deepEqual(await queuesOf(sys.temporal, large.body.taskId), {
        workflow: `${queue}-bulk`,
        activities: { writeStatsCsvChunk: [`${queue}-bulk`], sendExportReadyEmail: [`${queue}-bulk-email`] },
      });
      assert.deepEqual(await queuesOf(sys.temporal, little.body.taskId), {
        workflow: queue,
        activities: { writeStatsCsvChunk: [queue], sendExportReadyEmail: [`${queue}-email`] },
      });
      for (const taskId of [large.body.taskId, little.body.taskId]) {
        const links = smtp.received.filter((e) => e.mail.messageId?.includes(taskId));
        assert.equal(links.length, 1, `one "ready" email for ${taskId}`);
      }
    });

    it('runs a large send on the bulk queues, a small one on the main queues; each reaches every recipient once', async () => {
      const queue = sys.settings.taskQueue;
      const { large, little, largeDone, littleDone } = await runBoth(
        bigSender,
        `/v1/newsletters/${bigDraft}/send`,
        `/v1/newsletters/${smallDraft}/send`,
      );
      assert.equal(largeDone.result.sent, bigAudience.length, JSON.stringify(largeDone.result));
      assert.equal(littleDone.result.sent, smallAudience.length);

      const largeQueues = await queuesOf(sys.temporal, large.body.taskId);
      assert.equal(largeQueues.workflow, `${queue}-bulk`);
      assert.deepEqual(largeQueues.activities.sendDeliveryBatch, [`${queue}-bulk-email`]);
      assert.deepEqual(largeQueues.activities.sendSendSummaryEmail, [`${queue}-bulk-email`]);
      const littleQueues = await queuesOf(sys.temporal, little.body.taskId);
      assert.equal(littleQueues.workflow, queue);
      assert.deepEqual(littleQueues.activities.sendDeliveryBatch, [`${queue}-email`]);

      // At the SMTP server: each subscribed recipient once, under one Message-ID, nobody else.
      const db = sys.db.database.db;
      const received = (subject: string) => smtp.received.filter((e) => e.mail.subject === subject);
      const { duplicates } = await assertOneMessagePerRecipient(db, bigDraft, received('Large send'), bigAudience);
      assert.equal(duplicates, 0);
      const { duplicates: again } = await assertOneMessagePerRecipient(
        db,
        smallDraft,
        received('Small send'),
        smallAudience,
      );
      assert.equal(again, 0);
    });
  });
}

describe('mailroom worker --bulk', () => {
  const settings = (bulkWorkers: string) =>
    loadSettings({
      MAILROOM_BULK_WORKERS: bulkWorkers,
      LINK_SECRET: 'k'.repeat(32),
      MAILROOM_DATA_DIR: '/nonexistent',
    });
  it('is refused unless bulk workers are separate, and picks the lane when they are', () => {
    const shared = settings('shared');
    assert.equal(workerLane(shared, false), 'all');
    assert.throws(() => workerLane(shared, true), /--bulk needs MAILROOM_BULK_WORKERS=separate/);
    const separate = settings('separate');
    assert.deepEqual([workerLane(separate, false), workerLane(separate, true)], ['interactive', 'bulk']);
    assert.throws(() => settings('apart'), /MAILROOM_BULK_WORKERS/);
  });
});
