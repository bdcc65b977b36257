import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../src/db/schema';
import type { ReceivedEmail } from './smtp-sink';

/**
 * The promise of a send, checked at the SMTP server and in the database: every subscribed recipient got
 * exactly one distinct Message-ID (a resend after a crash reuses it), nobody else got anything, and each
 * delivery row is sent with the Message-ID the server saw. Returns how many duplicate copies arrived.
 */
export async function assertOneMessagePerRecipient(
  db: Kysely<DatabaseSchema>,
  newsletterId: number,
  received: ReceivedEmail[],
  subscribed: string[],
): Promise<{ duplicates: number }> {
  const ids = new Map<string, Set<string>>();
  let copies = 0;
  for (const email of received) {
    for (const to of email.envelopeTo) {
      ids.set(to, (ids.get(to) ?? new Set()).add(email.mail.messageId!));
      copies++;
    }
  }
  assert.deepEqual([...ids.keys()].sort(), [...subscribed].sort(), 'exactly the subscribed recipients received mail');
  for (const [to, set] of ids) assert.equal(set.size, 1, `${to} received ${set.size} different Message-IDs`);
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('contacts as c', 'c.id', 'd.contact_id')
    .select(['c.email', 'd.status', 'd.message_id'])
    .where('d.newsletter_id', '=', newsletterId)
    .execute();
  assert.equal(rows.length, subscribed.length);
  for (const row of rows) {
    assert.equal(row.status, 'sent', `${row.email} is ${row.status}`);
    assert.equal(
      row.message_id,
      [...ids.get(row.email)!][0],
      `${row.email}: database and server agree on the Message-ID`,
    );
  }
  return { duplicates: copies - subscribed.length };
}
