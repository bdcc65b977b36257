import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type pg from 'pg';
import { connectDatabase, databaseDriver } from '../../src/db/connect';
import type { Database } from '../../src/db/schema';

/**
 * PostgreSQL going away while a connection is checked out of the pool (an export between two pages, a
 * transaction between two statements) must fail that work, not the process: before the fix an API or worker
 * died of the client's unhandled 'error' about one PostgreSQL restart in five, and the send stalled.
 */
describe('a pooled PostgreSQL connection the server ends while it is checked out', () => {
  const url = process.env.MAILROOM_TEST_PG_URL;
  let database: Database;
  let admin: Database;
  const terminate = (pid: number) => sql`select pg_terminate_backend(${pid})`.execute(admin.db);
  const backendPid = async (run: (text: string) => Promise<{ rows: Array<{ pid: number }> }>) =>
    (await run('select pg_backend_pid() as pid')).rows[0]!.pid;

  before(() => {
    if (!url) throw new Error('MAILROOM_TEST_PG_URL is not set: run the tests with `npm test`');
    database = connectDatabase(url);
    admin = connectDatabase(url);
  });
  after(async () => {
    await database?.close();
    await admin?.close();
  });

  it('fails the holder’s next query, and the pool serves the next caller on a new connection', async () => {
    const { pool } = databaseDriver(database) as { pool: pg.Pool };
    const client = await pool.connect();
    const pid = await backendPid((text) => client.query(text));
    await terminate(pid);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server's goodbye reaches the idle client
    await assert.rejects(client.query('select 1'));
    client.release();
    const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    assert.notEqual(again.rows[0]!.pid, pid);
  });

  it('fails a transaction cut between two statements, and the next one commits', async () => {
    const cut = database.db.transaction().execute(async (trx) => {
      const pid = await backendPid((text) => sql.raw<{ pid: number }>(text).execute(trx));
      await terminate(pid);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await assert.rejects(cut);
    const next = await database.db.transaction().execute((trx) => sql<{ one: number }>`select 1 as one`.execute(trx));
    assert.equal(next.rows[0]!.one, 1);
  });
});
