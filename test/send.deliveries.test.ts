import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createDeliveryPage } from '../src/db/queries/sends';
import { createAudience } from './support/contacts';
import { createTestDatabase, DIALECTS } from './support/databases';

for (const dialect of DIALECTS) {
  describe(`delivery rows of a send on ${dialect}`, () => {
    it('creates one pending row per subscribed contact, page by page, and nothing more when run again', async () => {
      const test = await createTestDatabase(dialect);
      try {
        const { subscribed } = await createAudience(test.database.db, 'pages', {
          subscribed: 12_345,
          unsubscribed: 40,
        });
        await createAudience(test.database.db, 'other', { subscribed: 10 });
        const newsletter = await createNewsletter(test.database.db, {
          tenantId: 'pages',
          subject: 's',
          html: '<p>h</p>',
        });
        const createAll = async () => {
          let pages = 0;
          for (let after: number | undefined = 0; after !== undefined; pages++) {
            after = await createDeliveryPage(test.database.db, 'pages', newsletter.id, after, 5_000);
          }
          return pages;
        };
        assert.equal(await createAll(), 3);
        await createAll();
        const rows = await test.database.db
          .selectFrom('deliveries as d')
          .innerJoin('contacts as c', 'c.id', 'd.contact_id')
          .select(['c.email', 'd.status'])
          .where('d.newsletter_id', '=', newsletter.id)
          .execute();
        assert.equal(rows.length, subscribed.length);
        assert.deepEqual(
          rows.map((r) => r.email).sort(),
          [...subscribed].sort(),
          'no unsubscribed and no other tenant’s contact',
        );
        assert.ok(rows.every((r) => r.status === 'pending'));
      } finally {
        await test.drop();
      }
    });
  });
}
