import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import type { Insertable } from 'kysely';
import { readDeliveryStatsPage } from '../src/db/queries/delivery-stats';
import type { ContactTable, DeliveryTable } from '../src/db/schema';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import { statsPages } from '../src/export/stats-pages';
import { DIALECTS, createTestDatabase, type TestDatabase } from './support/databases';
import { referenceCells, statsCellsArbitrary } from './support/stats-rows-arbitrary';

const HOSTILE_ROWS = 600;

for (const dialect of DIALECTS) {
  describe(`export pages of generated hostile cells on ${dialect}`, () => {
    let test: TestDatabase;
    let newsletterId: number;

    before(async () => {
      test = await createTestDatabase(dialect);
      const seeded = (await seedDemoTenant(test.database, { contacts: 3 }))!;
      newsletterId = seeded.newsletters.draft;
      // Generated with a fixed seed: commas, quotes, CR/LF, unicode, empty and null cells, every formula
      // sign after invisible characters (stats-rows-arbitrary.ts).
      const cells = fc.sample(statsCellsArbitrary, { numRuns: HOSTILE_ROWS, seed: 12 });
      const contacts: Array<Insertable<ContactTable>> = [];
      const deliveries: Array<Insertable<DeliveryTable>> = [];
      cells.forEach(([email, first, last, status, sentAt, opens, opened, clicks, clicked, bounced, unsub], i) => {
        const id = 1_000 + i * 3;
        contacts.push({
          id,
          tenant_id: DEMO_TENANT,
          email: `${email}${i}`,
          first_name: first,
          last_name: last,
          unsubscribed: unsub,
          created_at: 'x',
          updated_at: 'x',
        });
        deliveries.push({
          newsletter_id: newsletterId,
          contact_id: id,
          status: status as DeliveryTable['status'],
          message_id: null,
          attempts: 0,
          last_error: null,
          sent_at: sentAt,
          opens,
          clicks,
          first_opened_at: opened,
          first_clicked_at: clicked,
          bounced,
          unsubscribed: unsub,
          updated_at: 'x',
        });
      });
      await test.database.db.insertInto('contacts').values(contacts).execute();
      await test.database.db.insertInto('deliveries').values(deliveries).execute();
    });
    after(() => test.drop());

    it('writes what csv-stringify writes, read in chunks of any size', async () => {
      const rows = await readDeliveryStatsPage(test.database.db, newsletterId, 0, HOSTILE_ROWS * 2);
      assert.equal(rows.length, HOSTILE_ROWS);
      const reference = Buffer.from(stringify(rows.map(referenceCells)), 'utf8');
      for (const chunkRows of [HOSTILE_ROWS * 2, HOSTILE_ROWS, 97, 1]) {
        const parts: Buffer[] = [];
        let cursor = { afterContactId: 0, rows: 0 };
        let finished = false;
        while (!finished) {
          for await (const page of statsPages(test.database, newsletterId, cursor.afterContactId, chunkRows)) {
            // A page’s buffers may be reused for the next page: copy them.
            for (const part of page.csv) parts.push(Buffer.from(part));
            cursor = { afterContactId: page.afterContactId, rows: cursor.rows + page.rows };
            finished ||= page.last;
          }
        }
        assert.equal(cursor.rows, HOSTILE_ROWS, `rows in chunks of ${chunkRows}`);
        const written = Buffer.concat(parts);
        assert.ok(written.equals(reference), `chunks of ${chunkRows}: the bytes differ from csv-stringify's`);
      }
    });
  });
}
