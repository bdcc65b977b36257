import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { connectDatabase } from '../src/db/connect';

const BIN = path.join(__dirname, '..', 'bin', 'mailroom.js');

/** `mailroom tenants create <slug>` as an instance-creation script runs it: twice is harmless and says so. */
describe('mailroom tenants create', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tenants-'));
  const mailroom = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, MAILROOM_DATA_DIR: dataDir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates the tenant once, then reports it exists and changes nothing', async () => {
    const first = mailroom('tenants', 'create', 'acme-co');
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'created tenant acme-co');
    const second = mailroom('tenants', 'create', 'acme-co');
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'tenant acme-co already exists; nothing changed');

    const database = connectDatabase(path.join(dataDir, 'mailroom.sqlite'));
    try {
      const rows = await database.db.selectFrom('tenants').selectAll().execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        ['acme-co'],
      );
    } finally {
      await database.close();
    }
  });

  it('refuses a slug that is not lowercase letters, digits and dashes, creating nothing', () => {
    const refused = mailroom('tenants', 'create', 'Acme Co');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /tenant slug must be lowercase letters, digits and dashes: Acme Co/);
  });
});
