import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings, SettingsError } from '../../src/settings';

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-settings-'));

describe('settings', () => {
  it('has embedded defaults: SQLite in the data dir, outbox email, 7-day links', () => {
    const dir = dataDir();
    const settings = loadSettings({ MAILROOM_DATA_DIR: dir });
    assert.equal(settings.port, 3000);
    assert.equal(settings.databaseUrl, path.join(dir, 'mailroom.sqlite'));
    assert.equal(settings.smtpUrl, undefined);
    assert.equal(settings.linkTtlMs, 7 * 24 * 3600 * 1000);
    assert.equal(settings.publicBaseUrl, 'http://localhost:3000');
    assert.equal(settings.temporalAddress, '127.0.0.1:7233');
  });

  it('generates the link secret once per data dir and keeps it', () => {
    const dir = dataDir();
    const first = loadSettings({ MAILROOM_DATA_DIR: dir }).linkSecret;
    assert.equal(loadSettings({ MAILROOM_DATA_DIR: dir }).linkSecret, first);
    assert.ok(first.length >= 64);
  });

  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SMTP_URL', 'http://mail'],
    ['LINK_TTL', 'soon'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['MAILROOM_EMAIL_RATE', '-1'],
    ['LINK_SECRET', 'short'],
  ] as const) {
    it(`rejects ${name}=${value} with one line naming the variable`, () => {
      assert.throws(
        () => loadSettings({ MAILROOM_DATA_DIR: dataDir(), [name]: value }),
        (error: unknown) =>
          error instanceof SettingsError && error.message.includes(name) && !error.message.includes('\n'),
      );
    });
  }

  it('requires LINK_SECRET in production', () => {
    assert.throws(() => loadSettings({ MAILROOM_DATA_DIR: dataDir(), NODE_ENV: 'production' }), /LINK_SECRET/);
  });

  it('stops a process with a bad setting with exit 1 and a single line', () => {
    const cli = path.resolve(__dirname, '../../src/cli/main.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'api'], {
      env: { ...process.env, PORT: 'not-a-port', MAILROOM_DATA_DIR: dataDir() },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /PORT/);
  });
});
