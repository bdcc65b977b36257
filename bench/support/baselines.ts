import fs from 'node:fs';
import { STATS_COLUMNS } from '../../src/db/queries/delivery-stats';
import { timeCommand } from './processes';

const CONTACT_COLUMNS = new Set<string>(['email', 'first_name', 'last_name']);

/**
 * The export's query as one statement: the columns of `readDeliveryStatsPage` (STATS_COLUMNS, same
 * order), the same join, filter and order, without the keyset pages. The id is a number we seeded.
 */
export function statsQuerySql(newsletterId: number): string {
  if (!Number.isSafeInteger(newsletterId)) throw new Error(`bad newsletter id ${newsletterId}`);
  const columns = STATS_COLUMNS.map((c) => (CONTACT_COLUMNS.has(c) ? `c.${c}` : `d.${c}`)).join(', ');
  return (
    `select ${columns} from deliveries as d inner join contacts as c on c.id = d.contact_id ` +
    `where d.newsletter_id = ${newsletterId} order by d.contact_id`
  );
}

export interface BaselineRun {
  ms: number;
  bytes: number;
}

export const SQLITE3 = '/usr/bin/sqlite3';

/** The sqlite3 shell is the SQLite baseline: installs Debian's package when it is missing (as root). */
export async function ensureSqlite3(log: (line: string) => void): Promise<void> {
  if (fs.existsSync(SQLITE3)) return;
  log('installing the sqlite3 shell (apt-get install sqlite3) for the baseline…');
  await timeCommand('apt-get', ['update', '-qq'], '/dev/null');
  await timeCommand('apt-get', ['install', '-y', '-qq', 'sqlite3'], '/dev/null');
}

/** `sqlite3 -csv -header` of the query into a file. Run once unmeasured first, so both sides read a warm page cache. */
export async function sqliteCsv(dbFile: string, newsletterId: number, outFile: string): Promise<BaselineRun> {
  const args = ['-readonly', '-csv', '-header', dbFile, statsQuerySql(newsletterId)];
  await timeCommand(SQLITE3, args, '/dev/null');
  const ms = await timeCommand(SQLITE3, args, outFile);
  return { ms, bytes: fs.statSync(outFile).size };
}

/** `psql -c "COPY (query) TO STDOUT CSV HEADER" > file`, after one unmeasured warm-up run. */
export async function psqlCopy(url: string, newsletterId: number, outFile: string): Promise<BaselineRun> {
  const args = [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    url,
    '-c',
    `copy (${statsQuerySql(newsletterId)}) to stdout csv header`,
  ];
  await timeCommand('psql', args, '/dev/null');
  const ms = await timeCommand('psql', args, outFile);
  return { ms, bytes: fs.statSync(outFile).size };
}
