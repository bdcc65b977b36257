import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { findContactsByEmail, unsubscribeContact } from '../src/db/queries/contacts';
import { listNewsletters } from '../src/db/queries/newsletters';
import { claimDraftForSending, createDeliveryPage } from '../src/db/queries/sends';
import { recipientCountsSchema } from '../src/db/migrations/005-recipient-counts';
import { now } from '../src/db/schema';
import { signUnsubscribeToken } from '../src/storage/unsubscribe-links';
import { createAudience } from './support/contacts';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';

const TENANT = 'acme';
type Client = ReturnType<typeof apiClient>;
interface Summary {
  id: number;
  subject: string;
  status: string;
  recipients: number;
}

/** Records every statement's tables, to prove what the listing reads. */
function tableRecorder(): { plugin: KyselyPlugin; tables: Set<string> } {
  const tables = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.kind === 'TableNode') {
      const identifier = (record.table as { identifier?: { name?: string } }).identifier;
      if (identifier?.name) tables.add(identifier.name);
    }
    Object.values(record).forEach(walk);
  };
  return {
    tables,
    plugin: {
      transformQuery(args: { node: RootOperationNode }) {
        walk(args.node);
        return args.node;
      },
      transformResult: async (args) => args.result,
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`newsletter listing recipient counts on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let owner: Client;
    let rival: Client;
    const db = () => sys.db.database.db;

    const list = async (client: Client): Promise<Summary[]> => {
      const response = await client.get('/v1/newsletters?limit=100');
      assert.equal(response.status, 200, response.text);
      return response.body.items;
    };
    /** What every draft shows: one figure, the same for all of them. */
    const draftRecipients = async (client: Client = owner): Promise<number> => {
      const figures = new Set((await list(client)).filter((n) => n.status === 'draft').map((n) => n.recipients));
      assert.equal(figures.size, 1, `drafts show different counts: ${[...figures].join(', ')}`);
      return [...figures][0]!;
    };
    const subscribedInDb = async (tenantId: string) =>
      Number(
        (
          await db()
            .selectFrom('contacts')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('tenant_id', '=', tenantId)
            .where('unsubscribed', '=', 0)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deliveriesInDb = async (newsletterId: number) =>
      Number(
        (
          await db()
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('newsletter_id', '=', newsletterId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    /** Drafts show `expected`, which is also what a COUNT over the contacts says. */
    const assertDrafts = async (expected: number, step: string) => {
      assert.equal(await subscribedInDb(TENANT), expected, `${step}: contacts in the database`);
      assert.equal(await draftRecipients(), expected, `${step}: drafts in the listing`);
    };
    const draft = async (client: Client, subject: string): Promise<number> => {
      const created = await client.post('/v1/newsletters', { subject, html: '<p>Hi {{first_name}}</p>' });
      assert.equal(created.status, 201, created.text);
      return created.body.id;
    };
    const importCsv = async (csv: string) => {
      const started = await owner.call('POST', '/v1/contacts/import', csv, { 'Content-Type': 'text/csv' });
      assert.equal(started.status, 202, started.text);
      const task = await owner.waitForTask(started.body.taskId, 60_000);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      return task.result;
    };
    const contactId = async (email: string) => {
      const [contact] = await findContactsByEmail(db(), TENANT, [email]);
      assert.ok(contact, email);
      return contact.id;
    };

    before(async () => {
      await smtp.start();
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url });
      owner = apiClient(sys.url, (await sys.user(TENANT, 'owner@acme.test')).apiKey);
      rival = apiClient(sys.url, (await sys.user('rival', 'spy@rival.test')).apiKey);
    });
    after(async () => {
      await sys?.stop();
      await smtp.stop();
    });

    it('drafts show the subscribed count, following imports, unsubscribes and new contacts, tenant by tenant', async () => {
      await draft(owner, 'First draft');
      await draft(owner, 'Second draft');
      await assertDrafts(0, 'no contacts yet');

      await createAudience(db(), 'rival', { subscribed: 7, unsubscribed: 2 });
      await draft(rival, 'Rival draft');
      assert.equal(await draftRecipients(rival), 7, "the rival's draft");
      await assertDrafts(0, "the rival's contacts are not ours");

      const first = await importCsv(
        ['email,first name,last name', 'ada@acme.test,Ada,L', 'bob@acme.test,Bob,M', 'cy@acme.test,Cy,N'].join('\n'),
      );
      assert.equal(first.created, 3);
      await assertDrafts(3, 'after an import of 3 new contacts');

      // An unsubscribed contact is never resubscribed by an import: it stays out of the count.
      const at = now();
      await db()
        .insertInto('contacts')
        .values({
          tenant_id: TENANT,
          email: 'gone@acme.test',
          first_name: 'Gone',
          last_name: 'Away',
          unsubscribed: 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await assertDrafts(3, 'after an unsubscribed contact was added');
      const second = await importCsv(
        [
          'ada@acme.test,Ada,Renamed',
          'bob@acme.test,Bob,M',
          'gone@acme.test,Back,Again',
          'dee@acme.test,Dee,O',
          'nope@',
        ].join('\n'),
      );
      assert.deepEqual([second.created, second.updated, second.invalid], [1, 3, 1]);
      await assertDrafts(4, 'after an import of 1 new and 3 existing contacts');

      // The unsubscribe link: a GET only shows a page asking to confirm; the one-click POST unsubscribes,
      // and a second one changes nothing more.
      const token = signUnsubscribeToken(TENANT, await contactId('ada@acme.test'), sys.settings.linkSecret);
      assert.equal((await owner.call('GET', `/unsubscribe/${token}`)).status, 200);
      await assertDrafts(4, 'after the link was only opened');
      assert.equal((await owner.call('POST', `/unsubscribe/${token}`)).status, 204);
      await assertDrafts(3, 'after the one-click unsubscribe');
      assert.equal((await owner.call('POST', `/unsubscribe/${token}`)).status, 204);
      await assertDrafts(3, 'after the same link again');
      // The query the route runs, for another contact.
      await unsubscribeContact(db(), TENANT, await contactId('bob@acme.test'));
      await assertDrafts(2, 'after unsubscribeContact');

      await createAudience(db(), TENANT, { subscribed: 5, unsubscribed: 1 });
      await assertDrafts(7, 'after 5 new subscribed contacts and 1 unsubscribed');
      assert.equal(await draftRecipients(rival), 7, "the rival's draft, unchanged");
    });

    it('a sent newsletter shows its delivery rows, which later unsubscribes do not change', async () => {
      const subscribed = await subscribedInDb(TENANT);
      const id = await draft(owner, 'To send');
      const started = await owner.post(`/v1/newsletters/${id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await owner.waitForTask(started.body.taskId, 90_000);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      const sent = (await list(owner)).find((n) => n.id === id);
      assert.equal(sent?.status, 'sent');
      assert.equal(await deliveriesInDb(id), subscribed);
      assert.equal(sent.recipients, subscribed);

      await unsubscribeContact(db(), TENANT, await contactId('cy@acme.test'));
      await assertDrafts(subscribed - 1, 'after one more unsubscribe');
      assert.equal((await list(owner)).find((n) => n.id === id)?.recipients, subscribed, 'the sent newsletter');
    });

    it('a sending newsletter shows the delivery rows created so far', async () => {
      const id = await draft(owner, 'Being sent');
      assert.ok(await claimDraftForSending(db(), TENANT, id));
      const recipients = async () => (await list(owner)).find((n) => n.id === id)?.recipients;
      assert.equal(await recipients(), 0);
      const next = await createDeliveryPage(db(), TENANT, id, 0, 2);
      assert.ok(next !== undefined);
      assert.equal(await recipients(), 2);
      // The same page again creates nothing (ON CONFLICT DO NOTHING), and counts nothing.
      await createDeliveryPage(db(), TENANT, id, 0, 2);
      assert.equal(await recipients(), 2);
      await createDeliveryPage(db(), TENANT, id, next, 1_000);
      assert.equal(await recipients(), await subscribedInDb(TENANT));
      assert.equal(await recipients(), await deliveriesInDb(id));
    });

    it('reads counters, never the contacts or deliveries, whatever the page holds', async () => {
      const recorder = tableRecorder();
      const page = await listNewsletters(db().withPlugin(recorder.plugin), TENANT, { limit: 100 });
      assert.ok(page.items.some((n) => n.status === 'draft') && page.items.some((n) => n.status === 'sent'));
      assert.ok(recorder.tables.has('newsletters'), [...recorder.tables].join(', '));
      assert.ok(!recorder.tables.has('contacts'), `the listing read contacts: ${[...recorder.tables].join(', ')}`);
      assert.ok(!recorder.tables.has('deliveries'), `the listing read deliveries: ${[...recorder.tables].join(', ')}`);
    });

    it('migration 005 counts what an existing database already holds', async () => {
      const listed = async () => (await list(owner)).map((n) => [n.id, n.recipients]);
      const before = await listed();
      const counters = db().withTables<{
        tenant_contact_counts: { subscribed: number };
        newsletter_delivery_counts: { deliveries: number };
      }>();
      await counters.updateTable('tenant_contact_counts').set({ subscribed: 12345 }).execute();
      await counters.deleteFrom('newsletter_delivery_counts').execute();
      assert.notDeepEqual(await listed(), before, 'the counters were wiped');
      await recipientCountsSchema(dialect).up(db());
      assert.deepEqual(await listed(), before);
      assert.equal(await draftRecipients(rival), await subscribedInDb('rival'));
    });
  });
}
