import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { createDeliveryPage } from '../../src/db/queries/sends';
import { seedDemoTenant } from '../../src/db/seed';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { busiestWindow } from '../support/arrivals';
import { apiClient } from '../support/http';
import { SmtpSink, type ReceivedEmail } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

const A_CONTACTS = 50_000;

for (const dialect of DIALECTS) {
  describe(`a noisy neighbour starves no one, on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let a: ReturnType<typeof apiClient>;
    let b: ReturnType<typeof apiClient>;
    const tenantB = `quiet-${dialect}`;
    let aExport: number;
    let aDraft: number;
    let bNewsletter: number;
    let bDraft: number;

    before(async () => {
      await smtp.start();
      // One activity at a time per queue: tenant A's work is a real backlog on the server, where fairness acts.
      sys = await startTestSystem({
        dialect,
        smtpUrl: smtp.url,
        env: { MAILROOM_WORKER_ACTIVITY_SLOTS: '1', MAILROOM_EMAIL_RATE: '200' },
      });
      const seeded = (await seedDemoTenant(sys.db.database, { contacts: A_CONTACTS }))!;
      aExport = seeded.newsletters.headline;
      aDraft = seeded.newsletters.draft;
      a = apiClient(sys.url, (await sys.user(seeded.tenantId, 'noisy@demo.test')).apiKey);
      await createAudience(sys.db.database.db, tenantB, { subscribed: 2 });
      b = apiClient(sys.url, (await sys.user(tenantB, `quiet@${tenantB}.test`)).apiKey);
      const db = sys.db.database.db;
      bNewsletter = (await createNewsletter(db, { tenantId: tenantB, subject: 'Two rows', html: '<p>x</p>' })).id;
      await createDeliveryPage(db, tenantB, bNewsletter, 0, 10);
      bDraft = (await createNewsletter(db, { tenantId: tenantB, subject: 'Quiet send', html: '<p>Hi</p>' })).id;
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it("tenant B's small export and small send finish before tenant A's backlog does", async () => {
      // All at once, so A's whole backlog is queued before B asks for anything.
      const aStarts = await Promise.all(
        Array.from({ length: sys.settings.limits.exports }, () => a.post('/v1/exports', { newsletterId: aExport })),
      );
      for (const started of aStarts) assert.equal(started.status, 202, started.text);
      const aTasks: string[] = aStarts.map((started) => started.body.taskId);
      assert.equal((await a.post('/v1/exports', { newsletterId: aExport })).status, 429, 'A is at its export limit');
      const aSend = await a.post(`/v1/newsletters/${aDraft}/send`);
      assert.equal(aSend.status, 202, aSend.text);

      const bExport = await b.post('/v1/exports', { newsletterId: bNewsletter });
      const bSend = await b.post(`/v1/newsletters/${bDraft}/send`);
      assert.deepEqual([bExport.status, bSend.status], [202, 202]);

      const exported = await b.waitForTask(bExport.body.taskId, 120_000);
      assert.equal(exported.status, 'COMPLETED', JSON.stringify(exported));
      assert.equal(exported.result.rows, 2);
      // Compared by the recorded end times, not by statuses read after polling: A's exports wait for the one
      // `-email` slot and end in a burst once it frees, so a read a few hundred ms late finds them all done.
      const aClosed = (await Promise.all(aTasks.map((id) => a.get(`/v1/tasks/${id}`)))).map(
        (t) => (t.body.closedAt as string | undefined) ?? '9999',
      );
      const aAfterB = aClosed.filter((closedAt) => closedAt > exported.closedAt).length;
      assert.ok(
        aAfterB > 0,
        `B's export ended at ${exported.closedAt}, after every export of A: ${aClosed.join(', ')}`,
      );

      const sent = await b.waitForTask(bSend.body.taskId, 120_000);
      assert.equal(sent.status, 'COMPLETED', JSON.stringify(sent));
      assert.equal(sent.result.sent, 2);
      assert.equal((await a.get(`/v1/tasks/${aSend.body.taskId}`)).body.status, 'RUNNING', "A's campaign goes on");
      assert.equal((await a.post(`/v1/tasks/${aSend.body.taskId}/cancel`)).status, 202);
    });
  });

  describe(`two tenants sending at once share the email rate, on ${dialect}`, () => {
    const RATE = 60;
    const RECIPIENTS = 300;
    const JITTER_MS = 150;
    const smtp = new SmtpSink();
    let sys: TestSystem;

    before(async () => {
      await smtp.start();
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url, env: { MAILROOM_EMAIL_RATE: String(RATE) } });
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it('gives each about half of the rate while both send, and never more than the rate in all', async () => {
      const tenants = [`share-a-${dialect}`, `share-b-${dialect}`];
      const tasks: Array<{ client: ReturnType<typeof apiClient>; taskId: string }> = [];
      for (const tenant of tenants) {
        await createAudience(sys.db.database.db, tenant, { subscribed: RECIPIENTS });
        const client = apiClient(sys.url, (await sys.user(tenant, `owner@${tenant}.test`)).apiKey);
        const newsletter = await createNewsletter(sys.db.database.db, {
          tenantId: tenant,
          subject: 'Share',
          html: '<p>x</p>',
        });
        const started = await client.post(`/v1/newsletters/${newsletter.id}/send`);
        assert.equal(started.status, 202, started.text);
        tasks.push({ client, taskId: started.body.taskId });
      }
      for (const { client, taskId } of tasks) {
        assert.equal((await client.waitForTask(taskId, 120_000)).status, 'COMPLETED');
      }
      const campaign = (e: ReceivedEmail) => e.mail.subject === 'Share';
      await waitUntil('every campaign message', () => smtp.received.filter(campaign).length >= 2 * RECIPIENTS);
      const of = (tenant: string) =>
        smtp.received
          .filter((e) => campaign(e) && e.envelopeTo[0]!.endsWith(`@${tenant}.test`))
          .map((e) => e.receivedAt);
      const [aTimes, bTimes] = tenants.map(of) as [number[], number[]];
      // While both were sending: from the later first message to the earlier last one.
      const from = Math.max(aTimes[0]!, bTimes[0]!);
      const to = Math.min(aTimes.at(-1)!, bTimes.at(-1)!);
      assert.ok(to - from > 2_000, `the two sends overlapped for ${to - from} ms`);
      const during = (times: number[]) => times.filter((t) => t >= from && t <= to).length;
      const ratio = during(aTimes) / during(bTimes);
      assert.ok(ratio > 0.7 && ratio < 1.4, `A sent ${during(aTimes)} and B ${during(bTimes)} while both were sending`);
      // Arrivals are slots plus a delay that varies by up to JITTER_MS: a window that much shorter than a
      // second holds at most RATE of them (the same bound as the single-tenant rate test).
      const busiest = busiestWindow([...aTimes, ...bTimes], 1000 - JITTER_MS);
      assert.ok(busiest <= RATE, `${busiest} messages within ${1000 - JITTER_MS} ms at a rate of ${RATE}/s`);
    });
  });
}
