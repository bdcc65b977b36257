import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database, Dialect } from '../../src/db/schema';

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  url: string;
  database: Database;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

/** A new, migrated database: a SQLite file in a temp dir, or a fresh database on the test PostgreSQL. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-db-'));
    const url = path.join(dir, 'mailroom.sqlite');
    const database = connectDatabase(url);
    await migrateToLatest(database);
    return {
      url,
      database,
      async drop() {
        await database.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.MAILROOM_TEST_PG_URL;
  if (!adminUrl) throw new Error('MAILROOM_TEST_PG_URL is not set: run the tests with `npm test`');
  const name = `mailroom_test_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = connectDatabase(url.toString());
  await migrateToLatest(database);
  return {
    url: url.toString(),
    database,
    async drop() {
      await database.close();
      await withAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Runs statements on the PostgreSQL server's maintenance database (create and drop databases). */
export async function withAdmin(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
