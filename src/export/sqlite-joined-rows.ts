import type SQLite from 'better-sqlite3';

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

/** readStatsPageRaw's join, filter and order (delivery-stats.ts), with the rest of each row joined. */
const JOINED_PAGE_SQL =
  `select d.contact_id, c.email, c.first_name, c.last_name, ${JOINED_REST} ` +
  'from deliveries as d inner join contacts as c on c.id = d.contact_id ' +
  'where d.newsletter_id = ? and d.contact_id > ? and c.id > ? order by d.contact_id limit ?';

const statements = new WeakMap<SQLite.Database, SQLite.Statement<unknown[], JoinedStatsRow>>();

/** The next `limit` rows after `afterContactId` in contact id order, their last eight cells joined. */
export function readJoinedStatsPage(
  sqlite: SQLite.Database,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): JoinedStatsRow[] {
  let statement = statements.get(sqlite);
  if (!statement) {
    statement = sqlite.prepare<unknown[], JoinedStatsRow>(JOINED_PAGE_SQL).raw(true);
    statements.set(sqlite, statement);
  }
  return statement.all(newsletterId, afterContactId, afterContactId, limit);
}
