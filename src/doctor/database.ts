import { sql } from 'kysely';
import { connectDatabase } from '../db/connect';
import { pendingMigrations } from '../db/migrate';
import type { Settings } from '../settings';
import { fail, guarded, pass, type CheckResult } from './check';

/** Where the database is, without its password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/** The database answers, and every migration of this code is applied. */
export async function checkDatabase(settings: Settings): Promise<CheckResult[]> {
  const where = describeUrl(settings.databaseUrl);
  const database = connectDatabase(settings.databaseUrl);
  try {
    const reachable = await guarded(
      'database reachable',
      'check DATABASE_URL and that the server is running',
      async () => {
        await sql`select 1`.execute(database.db);
        return pass('database reachable', `${database.dialect} at ${where}`);
      },
    );
    if (!reachable.ok)
      return [reachable, fail('migrations current', 'not checked: no database', 'make the database reachable first')];
    const migrations = await guarded('migrations current', 'run `mailroom migrate`', async () => {
      const pending = await pendingMigrations(database);
      return pending.length === 0
        ? pass('migrations current', 'every migration is applied')
        : fail('migrations current', `${pending.length} pending (${pending.join(', ')})`, 'run `mailroom migrate`');
    });
    return [reachable, migrations];
  } finally {
    await database.close().catch(() => undefined);
  }
}
