import type { Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
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

/** The export's join; its keyset pages below and its COPY pages (statsCopySql) read the same rows. */
const STATS_FROM = 'from deliveries as d inner join contacts as c on c.id = d.contact_id';
/** One keyset page on SQLite: newsletter id, the cursor (twice), limit. */
const SQLITE_PAGE = 'where d.newsletter_id = ? and d.contact_id > ? and c.id > ? order by d.contact_id limit ?';

/** Prepared once per SQLite handle, rows as arrays: the export's hot loop builds no objects. */
function rawStatement<Row>(
  statements: WeakMap<SQLite.Database, SQLite.Statement<unknown[], Row>>,
  sqlite: SQLite.Database,
  query: string,
): SQLite.Statement<unknown[], Row> {
  let statement = statements.get(sqlite);
  if (!statement) {
    statement = sqlite.prepare<unknown[], Row>(query).raw(true);
    statements.set(sqlite, statement);
  }
  return statement;
}

const statsPages = new WeakMap<SQLite.Database, SQLite.Statement<unknown[], StatsRow>>();

/** readDeliveryStatsPage on SQLite's own handle: no query builder, for the export's hot loop. */
export function readStatsPageRaw(
  sqlite: SQLite.Database,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): StatsRow[] {
  const statement = rawStatement(
    statsPages,
    sqlite,
    `select d.contact_id, c.email, c.first_name, c.last_name, d.status, d.sent_at, d.opens, d.first_opened_at, ` +
      `d.clicks, d.first_clicked_at, d.bounced, d.unsubscribed ${STATS_FROM} ${SQLITE_PAGE}`,
  );
  return statement.all(newsletterId, afterContactId, afterContactId, limit);
}

/** A row of the export's query with its last eight cells joined by SQLite: contact id, email, first, last, rest. */
export type JoinedStatsRow = [contactId: number, email: string, firstName: string, lastName: string, rest: string];

/**
 * Status, sent at, opens, first opened at, clicks, first clicked at, bounced, unsubscribed, joined with
 * commas as the line writes them (null as nothing, flags as yes/no). One string instead of eight values:
 * building the JavaScript values of a row costs more than SQLite's concatenation, and fewer short-lived
 * values keep the young generation's collections cheap (the worker runs with a 4 MB semi-space).
 */
const JOINED_REST =
  "d.status || ',' || coalesce(d.sent_at, '') || ',' || d.opens || ',' || coalesce(d.first_opened_at, '') || ',' || " +
  "d.clicks || ',' || coalesce(d.first_clicked_at, '') || ',' || " +
  "(case when d.bounced then 'yes' else 'no' end) || ',' || (case when d.unsubscribed then 'yes' else 'no' end)";

const joinedPages = new WeakMap<SQLite.Database, SQLite.Statement<unknown[], JoinedStatsRow>>();

/** readStatsPageRaw's page with each row's last eight cells joined (JOINED_REST). */
export function readJoinedStatsPage(
  sqlite: SQLite.Database,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): JoinedStatsRow[] {
  const statement = rawStatement(
    joinedPages,
    sqlite,
    `select d.contact_id, c.email, c.first_name, c.last_name, ${JOINED_REST} ${STATS_FROM} ${SQLITE_PAGE}`,
  );
  return statement.all(newsletterId, afterContactId, afterContactId, limit);
}

/**
 * The contact id that ends a page of `limit` rows after `afterContactId`, or undefined when fewer remain:
 * bounds a COPY page, which takes no LIMIT we could read a cursor back from.
 */
export async function statsPageEnd(
  client: pg.ClientBase,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): Promise<number | undefined> {
  const result = await client.query<{ contact_id: number }>(
    'select contact_id from deliveries where newsletter_id = $1 and contact_id > $2 order by contact_id offset $3 limit 1',
    [newsletterId, afterContactId, limit - 1],
  );
  return result.rows[0]?.contact_id;
}

const integer = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/**
 * One page of the export as `COPY … TO STDOUT CSV`: PostgreSQL formats the rows, cells neutralised by
 * `formulaPattern` (postgresFormulaPattern) in SQL. Byte for byte the Node formatter's output: empty
 * text as NULL (COPY would quote an empty string), flags as yes/no. COPY takes no parameters, so the
 * numbers are inlined, checked as integers; the pattern is ours, dollar-quoted.
 */
export function statsCopySql(
  newsletterId: number,
  afterContactId: number,
  upTo: number | undefined,
  formulaPattern: string,
): string {
  if (formulaPattern.includes('$re$')) throw new Error('bad pattern');
  const after = integer(afterContactId);
  const text = (column: string) =>
    `case when ascii(${column}) between 33 and 126 and ascii(${column}) not in (43, 45, 61, 64) then ${column} ` +
    `when ${column} ~ $re$${formulaPattern}$re$ then '''' || ${column} else nullif(${column}, '') end`;
  const bound = upTo === undefined ? '' : ` and d.contact_id <= ${integer(upTo)} and c.id <= ${integer(upTo)}`;
  return (
    `copy (select ${text('c.email')}, ${text('c.first_name')}, ${text('c.last_name')}, nullif(d.status, ''), ` +
    `nullif(d.sent_at, ''), d.opens, nullif(d.first_opened_at, ''), d.clicks, nullif(d.first_clicked_at, ''), ` +
    `case when d.bounced <> 0 then 'yes' else 'no' end, case when d.unsubscribed <> 0 then 'yes' else 'no' end ` +
    `${STATS_FROM} ` +
    `where d.newsletter_id = ${integer(newsletterId)} and d.contact_id > ${after} and c.id > ${after}${bound} ` +
    `order by d.contact_id) to stdout with (format csv)`
  );
}
