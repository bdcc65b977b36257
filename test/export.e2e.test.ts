import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEMO_TENANT, HEADLINE_SUBJECT, seedDemoTenant } from '../src/db/seed';
import { signDownloadToken } from '../src/storage/download-links';
import { DIALECTS } from './support/databases';
import { EXPECTED_HEADER, expectedStatsRows, parseCsv } from './support/expected-csv';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';

const CONTACTS = 4_000;

for (const dialect of DIALECTS) {
  describe(`export end to end through HTTP and SMTP on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let mallory: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let newsletterId: number;
    let taskId: string;
    let task: any;

    before(async () => {
      await smtp.start();
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url });
      const seeded = await seedDemoTenant(sys.db.database, { contacts: CONTACTS });
      newsletterId = seeded!.newsletters.headline;
      alice = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'alice@demo.test')).apiKey);
      bob = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'bob@demo.test')).apiKey);
      mallory = apiClient(sys.url, (await sys.user('rival', 'mallory@rival.test')).apiKey);
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it('answers 202 at once with a task, then completes with rows, bytes, sha256 and a link', async () => {
      const started = await alice.post('/v1/exports', { newsletterId });
      assert.equal(started.status, 202, started.text);
      assert.equal(started.body.kind, 'export');
      assert.equal(started.body.status, 'RUNNING');
      taskId = started.body.taskId;
      assert.match(taskId, new RegExp(`^export-${DEMO_TENANT}-${newsletterId}-[0-9a-f]+$`));
      assert.equal(started.body.links.self, `/v1/tasks/${taskId}`);

      task = await alice.waitForTask(taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.equal(task.result.rows, CONTACTS);
      assert.deepEqual(task.progress, { phase: 'done', done: CONTACTS, total: CONTACTS });
      assert.match(task.result.sha256, /^[0-9a-f]{64}$/);
      assert.ok(task.result.downloadUrl.startsWith(`${sys.url}/downloads/`));
      const ttl = new Date(task.result.expiresAt).getTime() - Date.now();
      assert.ok(ttl > 6.9 * 86_400_000 && ttl <= 7 * 86_400_000, `expires in ${ttl} ms`);
      assert.ok(task.startedAt && task.closedAt);
    });

    it('emails the link to the user who asked, naming the newsletter', async () => {
      const [email] = await smtp.waitFor((e) => e.envelopeTo.includes('alice@demo.test'));
      assert.equal(smtp.received.length, 1, 'nobody else got an email');
      assert.match(email!.mail.subject ?? '', new RegExp(HEADLINE_SUBJECT.replace(/[:]/g, '.')));
      assert.ok(email!.mail.text?.includes(task.result.downloadUrl), 'the text carries the link');
      assert.equal(email!.mail.messageId, `<${taskId}@mailroom>`);
    });

    it('serves, behind the emailed link, the CSV of every delivery row for row', async () => {
      const [email] = await smtp.waitFor((e) => e.envelopeTo.includes('alice@demo.test'));
      const link = /https?:\/\/\S+\/downloads\/[A-Za-z0-9_.-]+/.exec(email!.mail.text ?? '')![0];
      const response = await fetch(link);
      assert.equal(response.status, 200);
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /^attachment; filename="newsletter-\d+-statistics\.csv"$/,
      );
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(body.length, task.result.bytes);
      assert.equal(crypto.createHash('sha256').update(body).digest('hex'), task.result.sha256);
      const [header, ...rows] = parseCsv(body);
      assert.deepEqual(header, EXPECTED_HEADER);
      const expected = await expectedStatsRows(sys.db.database.db, newsletterId);
      assert.equal(rows.length, expected.length);
      rows.forEach((row, i) => assert.deepEqual(row, expected[i], `row ${i + 1}`));
      assert.equal(rows[0]![1], `'=HYPERLINK("http://evil.example","Click")`, 'formulas are neutralised');
    });

    it('leaves one notification, for the user who asked only', async () => {
      const rows = await sys.db.database.db.selectFrom('notifications').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.task_id, taskId);
      assert.equal(rows[0]!.export_id, task.result.exportId, 'the notification names its export');
      assert.equal(rows[0]!.link, null, 'no signed link is stored');
      const listed = await alice.get('/v1/notifications');
      const link = listed.body.items.find((n: { taskId: string }) => n.taskId === taskId).link;
      assert.equal((await fetch(link)).status, 200, 'the link minted when the notification is read works');
      assert.match(rows[0]!.message, /ready: 4000 rows/);
      const owner = await sys.db.database.db
        .selectFrom('users')
        .select('email')
        .where('id', '=', rows[0]!.user_id)
        .executeTakeFirstOrThrow();
      assert.equal(owner.email, 'alice@demo.test');
    });

    it('lists the task among the caller’s tasks, and nobody else’s', async () => {
      const mine = await alice.get('/v1/tasks');
      assert.deepEqual(
        mine.body.items.map((t: any) => t.taskId),
        [taskId],
      );
      assert.deepEqual((await bob.get('/v1/tasks')).body.items, []);
      assert.deepEqual((await mallory.get('/v1/tasks')).body.items, []);
    });

    it('answers 404, without telling whether it exists, for another user’s or tenant’s task', async () => {
      for (const client of [bob, mallory]) {
        const seen = await client.get(`/v1/tasks/${taskId}`);
        const unknown = await client.get(`/v1/tasks/${taskId}x`);
        assert.equal(seen.status, 404);
        assert.deepEqual(seen.body, unknown.body);
      }
    });

    it('answers 404 for another tenant’s newsletter and starts nothing', async () => {
      const before = await sys.db.database.db.selectFrom('tasks').select('id').execute();
      const response = await mallory.post('/v1/exports', { newsletterId });
      assert.equal(response.status, 404);
      assert.equal(response.body.error.code, 'not_found');
      assert.deepEqual((await mallory.get('/v1/newsletters')).body.items, []);
      assert.equal((await sys.db.database.db.selectFrom('tasks').select('id').execute()).length, before.length);
    });

    it('refuses bad input with 400 naming the field, and starts nothing', async () => {
      const before = (await sys.db.database.db.selectFrom('tasks').select('id').execute()).length;
      for (const [body, field] of [
        [{}, 'newsletterId'],
        [{ newsletterId: 'one' }, 'newsletterId'],
        [{ newsletterId: -3 }, 'newsletterId'],
        [{ newsletterId: 1.5 }, 'newsletterId'],
        [{ newsletterId, extra: true }, 'extra'],
      ] as const) {
        const response = await alice.post('/v1/exports', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.ok(response.body.error.message.includes(field), response.body.error.message);
        assert.ok(!response.text.includes('    at '), 'no stack trace');
      }
      const broken = await alice.post('/v1/exports', '{"newsletterId": ', {});
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'invalid_json');
      const badKey = await alice.post('/v1/exports', { newsletterId }, { 'Idempotency-Key': 'two words' });
      assert.equal(badKey.status, 400);
      assert.match(badKey.body.error.message, /^Idempotency-Key:/);
      assert.equal((await alice.post('/v1/exports', { newsletterId: 999_999 })).status, 404);
      assert.equal((await apiClient(sys.url).post('/v1/exports', { newsletterId })).status, 401);
      assert.equal((await apiClient(sys.url, 'mr_wrong').post('/v1/exports', { newsletterId })).status, 401);
      assert.equal((await sys.db.database.db.selectFrom('tasks').select('id').execute()).length, before);
    });

    it('starts one task per Idempotency-Key, and refuses the key with another body', async () => {
      const headers = { 'Idempotency-Key': `click-${dialect}` };
      const first = await alice.post('/v1/exports', { newsletterId }, headers);
      const second = await alice.post('/v1/exports', { newsletterId }, headers);
      assert.equal(first.status, 202);
      assert.equal(second.body.taskId, first.body.taskId);
      const other = await alice.post('/v1/exports', { newsletterId: newsletterId + 1 }, headers);
      assert.equal(other.status, 422);
      await alice.waitForTask(first.body.taskId);
    });

    it('answers 403 for a forged link, 410 for an expired one, 404 for an unknown export', async () => {
      const token = task.result.downloadUrl.split('/downloads/')[1] as string;
      const [payload, signature] = token.split('.') as [string, string];
      const forged = `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      assert.equal((await fetch(`${sys.url}/downloads/${forged}`)).status, 403);
      const expired = signDownloadToken(
        { exportId: task.result.exportId, expiresAt: new Date(Date.now() - 1_000) },
        sys.settings.linkSecret,
      );
      assert.equal((await fetch(`${sys.url}/downloads/${expired}`)).status, 410);
      const unknown = signDownloadToken(
        { exportId: 'f'.repeat(32), expiresAt: new Date(Date.now() + 60_000) },
        sys.settings.linkSecret,
      );
      assert.equal((await fetch(`${sys.url}/downloads/${unknown}`)).status, 404);
      assert.equal((await fetch(`${sys.url}/downloads/..%2F..%2Fetc%2Fpasswd`)).status, 404);
    });
  });
}
