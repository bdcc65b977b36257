import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { databaseDriver } from '../db/connect';
import { readJoinedStatsPage, readStatsPageRaw, statsCopySql, statsPageEnd } from '../db/queries/delivery-stats';
import type { Database } from '../db/schema';
import { postgresFormulaPattern } from './postgres-formula';
import { statsCsvLine, statsCsvLineJoined } from './stats-csv';

/** A run of CSV rows ready for the file: the grain of writes, hashing and heartbeats. */
export interface StatsPage {
  /** The page's CSV in parts, as they came: written with one writev, never joined. */
  csv: Buffer[];
  bytes: number;
  rows: number;
  /** The keyset cursor after this page. */
  afterContactId: number;
  /** No row of the newsletter comes after this page. */
  last: boolean;
}

/**
 * SQLite: rows per query. Small pages keep few rows alive when the young generation is collected, so little
 * is promoted to the old one and the worker's memory stays flat however long the export.
 */
const SQLITE_PAGE_ROWS = 2_000;
/**
 * PostgreSQL: rows per COPY. The server formats, Node only moves bytes, so big pages are cheapest (≈ 5 MB
 * of CSV at 20,000 rows); a chunk's first pages are smaller (5,000, 10,000, …) so its first heartbeat
 * comes within milliseconds, as it does on SQLite.
 */
const POSTGRES_PAGE_ROWS = 20_000;
const POSTGRES_FIRST_PAGE_ROWS = 5_000;

/** Up to `maxRows` rows after `afterContactId`, in contact order, page by page, as CSV bytes. */
export function statsPages(
  database: Database,
  newsletterId: number,
  afterContactId: number,
  maxRows: number,
): AsyncGenerator<StatsPage> {
  const driver = databaseDriver(database);
  return 'sqlite' in driver
    ? sqlitePages(driver.sqlite, newsletterId, afterContactId, maxRows)
    : postgresPages(driver.pool, newsletterId, afterContactId, maxRows);
}

/** Bytes of CSV a SQLite page is encoded into: one buffer per chunk, reused page after page. */
const SQLITE_PAGE_BYTES = 1 << 20;

/**
 * Raw prepared statement, rows as arrays with their last eight cells joined by SQLite (readJoinedStatsPage),
 * each line (stats-csv.ts) encoded straight into one reused buffer: no string of the whole page, so little
 * for the garbage collector. A row with a cell that needs quotes is read again cell by cell
 * (readStatsPageRaw). A page's `csv` is valid until the next page is asked for (the caller writes and hashes
 * it first); a page whose lines would overflow the buffer is handed over in parts, each with its own cursor.
 */
async function* sqlitePages(
  sqlite: SQLite.Database,
  newsletterId: number,
  afterContactId: number,
  maxRows: number,
): AsyncGenerator<StatsPage> {
  const out = Buffer.allocUnsafe(SQLITE_PAGE_BYTES);
  let after = afterContactId;
  for (let remaining = maxRows; remaining > 0;) {
    const limit = Math.min(SQLITE_PAGE_ROWS, remaining);
    const rows = readJoinedStatsPage(sqlite, newsletterId, after, limit);
    const last = rows.length < limit;
    let bytes = 0;
    let lines = 0;
    for (const row of rows) {
      const line =
        statsCsvLineJoined(row[1], row[2], row[3], row[4]) ??
        statsCsvLine(readStatsPageRaw(sqlite, newsletterId, row[0] - 1, 1)[0]!);
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (bytes + line.length * 3 > out.length && lines > 0) {
        yield { csv: [out.subarray(0, bytes)], bytes, rows: lines, afterContactId: after, last: false };
        bytes = 0;
        lines = 0;
      }
      if (line.length * 3 > out.length) {
        const alone = Buffer.from(line, 'utf8');
        yield { csv: [alone], bytes: alone.length, rows: 1, afterContactId: row[0], last: false };
      } else {
        bytes += out.write(line, bytes, 'utf8');
        lines += 1;
      }
      after = row[0];
    }
    remaining -= rows.length;
    yield { csv: [out.subarray(0, bytes)], bytes, rows: lines, afterContactId: after, last };
    if (last) return;
  }
  if (readStatsPageRaw(sqlite, newsletterId, after, 1).length === 0) yield noMoreRows(after);
}

/**
 * Said when a chunk ends exactly at the newsletter's last row (500,000 rows in 500,000-row chunks): the
 * workflow then publishes at once instead of asking for one more, empty, chunk.
 */
const noMoreRows = (afterContactId: number): StatsPage => ({ csv: [], bytes: 0, rows: 0, afterContactId, last: true });

/**
 * PostgreSQL formats each page itself (COPY … TO STDOUT CSV, statsCopySql). A COPY cannot say where it
 * stopped, so each page is bounded first by the contact id that ends it; the last page by the newsletter's
 * highest contact id, so the cursor is exact on every page.
 */
async function* postgresPages(
  pool: pg.Pool,
  newsletterId: number,
  afterContactId: number,
  maxRows: number,
): AsyncGenerator<StatsPage> {
  const pattern = postgresFormulaPattern();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    let after = afterContactId;
    let pageRows = POSTGRES_FIRST_PAGE_ROWS;
    for (let remaining = maxRows; remaining > 0; pageRows = Math.min(POSTGRES_PAGE_ROWS, pageRows * 2)) {
      const limit = Math.min(pageRows, remaining);
      const end = await statsPageEnd(client, newsletterId, after, limit);
      const upTo = end ?? (await lastContactId(client, newsletterId, after));
      if (upTo === undefined) {
        yield { csv: [], bytes: 0, rows: 0, afterContactId: after, last: true };
        return;
      }
      const copy = client.query(copyTo(statsCopySql(newsletterId, after, upTo, pattern)));
      const parts: Buffer[] = [];
      let bytes = 0;
      for await (const part of copy) {
        parts.push(part as Buffer);
        bytes += (part as Buffer).length;
      }
      after = upTo;
      remaining -= copy.rowCount;
      yield { csv: parts, bytes, rows: copy.rowCount, afterContactId: after, last: end === undefined };
      if (end === undefined) return;
    }
    if ((await statsPageEnd(client, newsletterId, after, 1)) === undefined) yield noMoreRows(after);
  } catch (error) {
    // A COPY that failed half-way leaves the connection unusable: the pool must not hand it out again.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function lastContactId(client: pg.ClientBase, newsletterId: number, after: number): Promise<number | undefined> {
  const result = await client.query<{ last: number | null }>(
    'select max(contact_id) as last from deliveries where newsletter_id = $1 and contact_id > $2',
    [newsletterId, after],
  );
  return result.rows[0]?.last ?? undefined;
}
