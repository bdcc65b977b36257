import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { apiClient } from '../support/http';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/** Anyone who reads Temporal histories (Web UI, exports, archives) must not find a working download link. */
describe('no bearer secret in workflow histories', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let client: ReturnType<typeof apiClient>;
  let newsletterId: number;

  before(async () => {
    await smtp.start();
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url });
    newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 50 }))!.newsletters.headline;
    client = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'reader@demo.test')).apiKey);
  });
  after(async () => {
    await sys?.stop();
    await smtp.stop();
  });

  it('keeps the export id in the history; the task, the notification and the email carry working links', async () => {
    const started = await client.post('/v1/exports', { newsletterId });
    assert.equal(started.status, 202, started.text);
    const task = await client.waitForTask(started.body.taskId);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task));

    const history = JSON.stringify(await sys.temporal.workflow.getHandle(task.taskId).fetchHistory());
    // Payloads are base64 JSON in the history: decode every one before looking.
    const decoded = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
      .join('\n');
    assert.ok(decoded.includes(task.result.exportId), 'the history names the export (proof the decoding works)');
    assert.ok(!/\/downloads\//.test(decoded), 'no download link anywhere in the history');
    const token = new URL(task.result.downloadUrl).pathname.split('/').pop()!;
    assert.ok(!decoded.includes(token.split('.')[1]!), "no link's signature in the history");

    const fromTask = await fetch(task.result.downloadUrl);
    assert.equal(fromTask.status, 200, 'the link minted for the task view works');
    const notification = await waitUntil('the notification', async () => {
      const items = (await client.get('/v1/notifications')).body.items;
      return items.find((n: { taskId: string }) => n.taskId === task.taskId);
    });
    assert.equal((await fetch(notification.link)).status, 200, "the notification's link works");
    const [email] = await smtp.waitFor((e) => e.envelopeTo.includes('reader@demo.test'));
    const link = /(http:\/\/\S+\/downloads\/\S+)/.exec(email!.mail.text ?? '')?.[1];
    assert.ok(link, 'the email carries a link');
    assert.equal((await fetch(link)).status, 200, "the email's link works");
  });
});
