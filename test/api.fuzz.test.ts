import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { createAudience } from './support/contacts';
import { startTestSystem, type TestSystem } from './support/system';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'fuzz-api.sh');

/** Runs a command to its end; its output is kept for the failure message. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/**
 * schemathesis against the real system (worker, SQLite, Temporal dev server), with a user whose tenant
 * has contacts and draft newsletters, so some generated requests start real exports, sends and imports. Bounded and derandomised: see the script.
 */
describe('fuzzing the API against its own OpenAPI description', () => {
  let sys: TestSystem;
  let apiKey: string;

  before(async () => {
    const installed = await run('bash', [SCRIPT, 'install']);
    assert.equal(installed.code, 0, `schemathesis could not be installed:\n${installed.output}`);
    sys = await startTestSystem({ dialect: 'sqlite', env: { MAILROOM_IMPORT_MAX_BYTES: '65536' } });
    // A tenant of its own: workflow ids (send-<tenant>-<newsletter>) never meet those of an earlier run
    // on the same Temporal server.
    const tenant = `fuzz-${crypto.randomBytes(4).toString('hex')}`;
    await createAudience(sys.db.database.db, tenant, { subscribed: 5, unsubscribed: 1 });
    for (const subject of ['First', 'Second', 'Third'])
      await createNewsletter(sys.db.database.db, { tenantId: tenant, subject, html: '<p>hello</p>' });
    apiKey = (await sys.user(tenant, 'fuzz@fuzz.test')).apiKey;
  });
  after(async () => sys?.stop());

  it('finds no 5xx and no answer the description does not allow', async () => {
    const { code, output } = await run('bash', [SCRIPT, sys.url, apiKey]);
    assert.equal(code, 0, output.slice(-20_000));
    assert.match(output, /No issues found|passed/i, output.slice(-5_000));
  });
});
