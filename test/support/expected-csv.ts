import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../src/db/schema';

/**
 * What the export of a newsletter must contain, computed from the database independently of the export
 * code: one row per delivery in contact order, formula-like text prefixed with a quote.
 */
export async function expectedStatsRows(db: Kysely<DatabaseSchema>, newsletterId: number): Promise<string[][]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('contacts as c', 'c.id', 'd.contact_id')
    .select(['c.email', 'c.first_name', 'c.last_name'])
    .selectAll('d')
    .where('d.newsletter_id', '=', newsletterId)
    .orderBy('d.contact_id')
    .execute();
  const text = (value: string) => (/^[=+\-@\t\r＝＋－＠]/.test(value) ? `'${value}` : value);
  return rows.map((r) => [
    text(r.email),
    text(r.first_name),
    text(r.last_name),
    r.status,
    r.sent_at ?? '',
    String(r.opens),
    r.first_opened_at ?? '',
    String(r.clicks),
    r.first_clicked_at ?? '',
    r.bounced ? 'yes' : 'no',
    r.unsubscribed ? 'yes' : 'no',
  ]);
}

export const EXPECTED_HEADER = [
  'Email',
  'First name',
  'Last name',
  'Status',
  'Sent at',
  'Opens',
  'First opened at',
  'Clicks',
  'First clicked at',
  'Bounced',
  'Unsubscribed',
];

export const parseCsv = (text: string | Buffer): string[][] => parse(text, { relax_column_count: false }) as string[][];
