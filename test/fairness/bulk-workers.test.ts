import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { createDeliveryPage } from '../../src/db/queries/sends';
import { DRAFT_SUBJECT, seedDemoTenant } from '../../src/db/seed';
import { loadSettings } from '../../src/settings';
import { workerLane } from '../../src/worker/run-workers';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
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
    let small: ReturnType<typeof apiClient>;
    let headline: number;
    let bigDraft: number;
    let smallNewsletter: number;
    let smallDraft: number;
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
      bigDraft = seeded.newsletters.draft;
      big = apiClient(sys.url, (await sys.user(seeded.tenantId, 'big@demo.test')).apiKey);
      const db = sys.db.database.db;
      await createAudience(db, smallTenant, { subscribed: 2 });
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

    /** The large tenant's task and the small one's, started together; both completed. */
    async function runBoth(largePath: string, smallPath: string, body?: [object, object]) {
      const [large, little] = await Promise.all([big.post(largePath, body?.[0]), small.post(smallPath, body?.[1])]);
      assert.deepEqual([large.status, little.status], [202, 202], large.text);
      const [largeDone, littleDone] = await Promise.all([
        big.waitForTask(large.body.taskId, 120_000),
        small.waitForTask(little.body.taskId, 120_000),
      ]);
      assert.equal(largeDone.status, 'COMPLETED', JSON.stringify(largeDone));
      assert.equal(littleDone.status, 'COMPLETED', JSON.stringify(littleDone));
      return { large, little, largeDone, littleDone };
    }

    it('runs a large export whole on the bulk queues, and a small one on the main queues', async () => {
      const queue = sys.settings.taskQueue;
      const { large, little, largeDone } = await runBoth('/v1/exports', '/v1/exports', [
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
        `/v1/newsletters/${bigDraft}/send`,
        `/v1/newsletters/${smallDraft}/send`,
      );
      assert.ok(largeDone.result.sent > 1_000, JSON.stringify(largeDone.result));
      assert.equal(littleDone.result.sent, 2);

      const largeQueues = await queuesOf(sys.temporal, large.body.taskId);
      assert.equal(largeQueues.workflow, `${queue}-bulk`);
      assert.deepEqual(largeQueues.activities.sendDeliveryBatch, [`${queue}-bulk-email`]);
      assert.deepEqual(largeQueues.activities.sendSendSummaryEmail, [`${queue}-bulk-email`]);
      const littleQueues = await queuesOf(sys.temporal, little.body.taskId);
      assert.equal(littleQueues.workflow, queue);
      assert.deepEqual(littleQueues.activities.sendDeliveryBatch, [`${queue}-email`]);

      const campaign = smtp.received.filter((e) => e.mail.subject === DRAFT_SUBJECT);
      assert.equal(campaign.length, largeDone.result.sent, 'one message per delivery sent');
      assert.equal(new Set(campaign.map((e) => e.envelopeTo[0])).size, campaign.length, 'no recipient twice');
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
