import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DIALECTS } from '../support/databases';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/**
 * Issue 11, item 9: `/readyz` says ready only when the database really answers a query on mailroom's
 * tables: not on a corrupted SQLite file (a trivial `select 1` never reads it), nor on a PostgreSQL
 * database whose tables are gone.
 */
for (const dialect of DIALECTS) {
  describe(`/readyz and a broken database, on ${dialect}`, () => {
    let sys: TestSystem;
    const readyz = async () => {
      const response = await fetch(`${sys.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string; down?: string[] } };
    };

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      await sys.user('acme', 'alice@acme.test');
    });
    after(async () => sys?.stop());

    it('is ready on a healthy database, and not ready once its tables cannot be read', async () => {
      assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready' } });
      if (dialect === 'sqlite') {
        // As a running service leaves it: the WAL checkpointed into the file, which then gets overwritten.
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(sys.db.database.db);
        const file = sys.db.url;
        const size = fs.statSync(file).size;
        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, crypto.randomBytes(size), 0, size, 0);
        fs.closeSync(fd);
      } else {
        await sql`alter table tenants rename to tenants_gone`.execute(sys.db.database.db);
      }
      const answer = await waitUntil('/readyz to say the database is down', async () => {
        const probe = await readyz();
        return probe.status === 503 && probe;
      });
      assert.deepEqual(answer.body, { status: 'unavailable', down: ['database'] });
      if (dialect === 'postgres') {
        await sql`alter table tenants_gone rename to tenants`.execute(sys.db.database.db);
        assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready' } }, 'ready again once repaired');
      }
    });
  });
}
