import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const BIN = path.join(__dirname, '..', 'bin', 'mailroom.js');

/**
 * The clone's `bin/mailroom.js` as `npm run dev` runs it: plain `node`, no `--import tsx` from the test
 * runner. The commands the CLI loads lazily (api, dev, doctor) must resolve through it too.
 */
describe('bin/mailroom.js in a clone', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bin-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs a lazily loaded command (doctor) through the TypeScript sources', () => {
    const run = spawnSync(process.execPath, [BIN, 'doctor'], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        MAILROOM_DATA_DIR: dataDir,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.doesNotMatch(run.stderr, /ERR_MODULE_NOT_FOUND/);
    assert.match(run.stdout, /✓ database reachable/, run.stderr);
    assert.match(run.stdout, /✗ Temporal reachable/);
    assert.equal(run.status, 1, 'doctor exits 1 when a check fails');
  });
});
