import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Database } from '../schema';

/**
 * True when the database really answers: a query that reads one of mailroom's tables, not a `select 1`
 * that reads no file. On SQLite it runs on a fresh read-only connection to the same file, since the
 * process's own connection may answer from its page cache long after the file was corrupted or removed.
 */
export async function databaseAnswers(database: Database): Promise<boolean> {
  try {
    if (database.dialect === 'sqlite') {
      const files = await sql<{ name: string; file: string }>`pragma database_list`.execute(database.db);
      const file = files.rows.find((row) => row.name === 'main')?.file;
      // An in-memory database (no file) has nothing to corrupt but its tables.
      if (file) return sqliteFileAnswers(file);
    }
    await sql`select id from tenants limit 1`.execute(database.db);
    return true;
  } catch {
    return false;
  }
}

function sqliteFileAnswers(file: string): boolean {
  let connection: SQLite.Database | undefined;
  try {
    connection = new SQLite(file, { readonly: true, fileMustExist: true, timeout: 1000 });
    connection.prepare('select id from tenants limit 1').all();
    return true;
  } catch {
    return false;
  } finally {
    connection?.close();
  }
}
