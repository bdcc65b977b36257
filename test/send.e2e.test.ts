import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenantSender } from '../src/db/queries/tenant-senders';
import { DIALECTS } from './support/databases';
import { createAudience } from './support/contacts';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';

const TENANT = 'acme';
const flakyTries = new Map<string, number>();

for (const dialect of DIALECTS) {
  describe(`sending a newsletter through HTTP to a real SMTP server on ${dialect}`, () => {
    const smtp = new SmtpSink({
      rejectRecipient: (address) => {
        if (address.startsWith('refused')) return { code: 550, message: '5.1.1 mailbox unavailable' };
        if (address.startsWith('flaky')) {
          const tries = (flakyTries.get(address) ?? 0) + 1;
          flakyTries.set(address, tries);
          if (tries <= 2) return { code: 451, message: '4.7.1 try again later' };
        }
        return undefined;
      },
    });
    let sys: TestSystem;
    let owner: ReturnType<typeof apiClient>;
    let rival: ReturnType<typeof apiClient>;
    let audience: { subscribed: string[]; unsubscribed: string[] };
    let newsletterId: number;
    let taskId: string;
    let result: any;

    before(async () => {
      await smtp.start();
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url });
      audience = await createAudience(sys.db.database.db, TENANT, {
        subscribed: 150,
        unsubscribed: 20,
        extra: ['refused1@acme.test', 'refused2@acme.test', `flaky1-${dialect}@acme.test`, 'not-an-address'],
      });
      owner = apiClient(sys.url, (await sys.user(TENANT, 'sender@acme.test')).apiKey);
      await addTenantSender(sys.db.database.db, TENANT, 'news@acme.test');
      rival = apiClient(sys.url, (await sys.user('rival', 'spy@rival.test')).apiKey);
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it('creates a draft newsletter, and refuses invalid fields with 400 naming them', async () => {
      for (const [body, field] of [
        [{ html: '<p>x</p>' }, 'subject'],
        [{ subject: 'Hi', html: '' }, 'html'],
        [{ subject: 'Hi', html: '<p>x</p>', from: 'nobody' }, 'from'],
        [{ subject: 'Hi', html: '<p>x</p>', colour: 'red' }, 'colour'],
      ] as const) {
        const response = await owner.post('/v1/newsletters', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.ok(response.body.error.message.includes(field), response.body.error.message);
      }
      const created = await owner.post('/v1/newsletters', {
        subject: 'Autumn news for {{first_name}}',
        html: '<p>Hello {{first_name}} {{last_name}}</p>',
        text: 'Hello {{first_name}} {{last_name}}',
        from: 'news@acme.test',
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.status, 'draft');
      newsletterId = created.body.id;
      const listed = await owner.get('/v1/newsletters');
      assert.equal(listed.body.items[0].id, newsletterId);
      assert.equal(listed.body.items[0].recipients, audience.subscribed.length);
    });

    it('answers 404 to another tenant and 202 to the owner, then 409 to a second send', async () => {
      assert.equal((await rival.post(`/v1/newsletters/${newsletterId}/send`)).status, 404);
      assert.equal((await owner.post('/v1/newsletters/abc/send')).status, 400);
      const started = await owner.post(`/v1/newsletters/${newsletterId}/send`);
      assert.equal(started.status, 202, started.text);
      taskId = started.body.taskId;
      assert.equal(taskId, `send-${TENANT}-${newsletterId}`);
      const again = await owner.post(`/v1/newsletters/${newsletterId}/send`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'already_sent');
      assert.equal((await rival.get(`/v1/tasks/${taskId}`)).status, 404);
    });

    it('finishes with every subscribed contact sent once, refusals failed, unsubscribed skipped', async () => {
      const task = await owner.waitForTask(taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      result = task.result;
      // 150 + flaky sent; 2 refused by the server and 1 malformed address failed.
      assert.deepEqual(
        {
          sent: result.sent,
          failed: result.failed,
          skipped: result.skipped,
          cancelled: result.cancelled,
          resent: result.resent,
        },
        { sent: 151, failed: 3, skipped: 0, cancelled: 0, resent: 0 },
      );
      assert.equal((await owner.post(`/v1/newsletters/${newsletterId}/send`)).status, 409);
    });

    it('delivered exactly one personalised message per recipient, with List-Unsubscribe and a fixed Message-ID', async () => {
      const messages = smtp.received.filter((e) => e.mail.subject?.startsWith('Autumn news'));
      const byRecipient = new Map<string, string[]>();
      for (const e of messages)
        for (const to of e.envelopeTo) byRecipient.set(to, [...(byRecipient.get(to) ?? []), e.mail.messageId!]);
      const expected = audience.subscribed.filter((a) => !a.startsWith('refused') && a !== 'not-an-address').sort();
      assert.deepEqual([...byRecipient.keys()].sort(), expected);
      for (const [to, ids] of byRecipient) assert.equal(ids.length, 1, `${to} got ${ids.length}`);
      for (const gone of audience.unsubscribed) assert.ok(!byRecipient.has(gone));
      const first = messages.find((e) => e.envelopeTo[0] === 'person1@acme.test')!;
      assert.equal(first.mail.subject, 'Autumn news for First1');
      assert.match(first.mail.text ?? '', /Hello First1 Tester/);
      assert.equal(first.mail.from?.value[0]?.address, 'news@acme.test');
      const unsubscribe = first.mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
      assert.ok(first.mail.headerLines.some((h) => h.key === 'list-unsubscribe-post' && h.line.includes('One-Click')));
      assert.match(unsubscribe, new RegExp(`<${sys.url}/unsubscribe/[^>]+>`));
      const rows = await sys.db.database.db
        .selectFrom('deliveries as d')
        .innerJoin('contacts as c', 'c.id', 'd.contact_id')
        .select(['c.email', 'd.status', 'd.message_id', 'd.attempts', 'd.last_error'])
        .where('d.newsletter_id', '=', newsletterId)
        .execute();
      const row = (email: string) => rows.find((r) => r.email === email)!;
      assert.equal(row('person1@acme.test').message_id, first.mail.messageId);
      assert.equal(row('person1@acme.test').status, 'sent');
      assert.equal(row('refused1@acme.test').status, 'failed');
      assert.match(row('refused1@acme.test').last_error ?? '', /550/);
      assert.equal(row('refused1@acme.test').attempts, 1, 'a permanent refusal is not retried');
      assert.equal(row(`flaky1-${dialect}@acme.test`).status, 'sent');
      assert.equal(row(`flaky1-${dialect}@acme.test`).attempts, 3, 'a 451 is retried until accepted');
      assert.equal(rows.length, audience.subscribed.length, 'one delivery row per subscribed contact');

      // The unsubscribe link works and the contact is out of the next send.
      const link = /<([^>]+)>/.exec(unsubscribe)![1]!;
      assert.equal((await fetch(link, { method: 'POST' })).status, 204);
      const contact = await sys.db.database.db
        .selectFrom('contacts')
        .select('unsubscribed')
        .where('email', '=', 'person1@acme.test')
        .executeTakeFirstOrThrow();
      assert.equal(contact.unsubscribed, 1);
      assert.equal((await fetch(`${link}x`)).status, 404);
    });

    it('emails the sender a summary and leaves one notification', async () => {
      const [summary] = await smtp.waitFor((e) => e.envelopeTo.includes('sender@acme.test'));
      assert.match(summary!.mail.text ?? '', /sent: +151/);
      assert.match(summary!.mail.text ?? '', /failed: +3/);
      const notes = await sys.db.database.db
        .selectFrom('notifications')
        .selectAll()
        .where('task_id', '=', taskId)
        .execute();
      assert.equal(notes.length, 1);
      assert.match(notes[0]!.message, /151 sent, 3 failed/);
    });
  });
}
