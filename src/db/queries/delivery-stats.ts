import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema';

/** One CSV row of an export, in column order; `contact_id` is the keyset cursor. */
export const STATS_COLUMNS = [
  'contact_id',
  'email',
  'first_name',
  'last_name',
  'status',
  'sent_at',
  'opens',
  'first_opened_at',
  'clicks',
  'first_clicked_at',
  'bounced',
  'unsubscribed',
] as const;

export type StatsRow = [
  contactId: number,
  email: string,
  firstName: string,
  lastName: string,
  status: string,
  sentAt: string | null,
  opens: number,
  firstOpenedAt: string | null,
  clicks: number,
  firstClickedAt: string | null,
  bounced: number,
  unsubscribed: number,
];

export async function countDeliveries(db: Kysely<DatabaseSchema>, newsletterId: number): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('newsletter_id', '=', newsletterId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The next `limit` rows after `afterContactId`, in contact id order. Keyset pagination keeps each query
 * as cheap as the first and needs no cursor held open between pages.
 */
export async function readDeliveryStatsPage(
  db: Kysely<DatabaseSchema>,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): Promise<StatsRow[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('contacts as c', 'c.id', 'd.contact_id')
    .select([
      'd.contact_id',
      'c.email',
      'c.first_name',
      'c.last_name',
      'd.status',
      'd.sent_at',
      'd.opens',
      'd.first_opened_at',
      'd.clicks',
      'd.first_clicked_at',
      'd.bounced',
      'd.unsubscribed',
    ])
    .where('d.newsletter_id', '=', newsletterId)
    .where('d.contact_id', '>', afterContactId)
    // Redundant for the result, but without it PostgreSQL merge-joins contacts from the first row on
    // every page, which makes a large export quadratic.
    .where('c.id', '>', afterContactId)
    .orderBy('d.contact_id')
    .limit(limit)
    .execute();
  return rows.map((r) => [
    r.contact_id,
    r.email,
    r.first_name,
    r.last_name,
    r.status,
    r.sent_at,
    r.opens,
    r.first_opened_at,
    r.clicks,
    r.first_clicked_at,
    r.bounced,
    r.unsubscribed,
  ]);
}
