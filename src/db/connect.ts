import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { isPostgresUrl } from '../settings';
import type { Database, DatabaseSchema } from './schema';

// COUNT(*) and int8 columns come back as strings by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface ConnectOptions {
  /** Pool size on PostgreSQL. */
  maxConnections?: number;
  /** Open SQLite read-only: a long export reads on its own connection, never blocking writers (WAL). */
  readonly?: boolean;
}

export function connectDatabase(databaseUrl: string, options: ConnectOptions = {}): Database {
  if (isPostgresUrl(databaseUrl)) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
    // An idle connection the server closed (a restart, a failover) is dropped and replaced at the next
    // query; without a listener its error would crash the process.
    pool.on('error', () => undefined);
    // A connection checked out of the pool has no listener of its own: if the server goes away while it is
    // (in a transaction, an export between pages) the client's 'error' would crash the process. Its query
    // still fails, and the pool drops the unusable client when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
    return withDriver({ db, dialect: 'postgres', close: () => db.destroy() }, { pool });
  }
  const file = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return withDriver({ db, dialect: 'sqlite', close: () => db.destroy() }, { sqlite });
}

/** The driver's own handle under a Database: the export's raw statements (SQLite) and COPY (PostgreSQL). */
export type DatabaseDriver = { sqlite: SQLite.Database } | { pool: pg.Pool };

const drivers = new WeakMap<Database, DatabaseDriver>();

function withDriver(database: Database, driver: DatabaseDriver): Database {
  drivers.set(database, driver);
  return database;
}

/** The handle connectDatabase opened for `database`. */
export function databaseDriver(database: Database): DatabaseDriver {
  const driver = drivers.get(database);
  if (!driver) throw new Error('this database was not opened by connectDatabase');
  return driver;
}
