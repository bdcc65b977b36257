import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { addTenantSender } from '../src/db/queries/tenant-senders';
import { signUnsubscribeToken } from '../src/storage/unsubscribe-links';
import { createAudience } from './support/contacts';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
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
 * schemathesis against the real system (worker, SQLite, SMTP sink, Temporal dev server), with a user whose
 * tenant has contacts, draft newsletters, two schedules, a finished export and an unsubscribe link, so the
 * generated requests reach the handlers: scripts/schemathesis.toml points the path ids and tokens that no
 * generator can guess at these, and the script fails unless most operations answered a 2xx
 * (scripts/fuzz-coverage.py). Bounded and derandomised: see the script.
 */
describe('fuzzing the API against its own OpenAPI description', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let apiKey: string;
  let tenant: string;
  const seeds: Record<string, string> = {};

  // Installing schemathesis into a cold cache can take minutes: more than the default per-test timeout.
  before(
    async () => {
      const installed = await run('bash', [SCRIPT, 'install']);
      assert.equal(installed.code, 0, `schemathesis could not be installed:\n${installed.output}`);
      await smtp.start();
      sys = await startTestSystem({
        dialect: 'sqlite',
        smtpUrl: smtp.url,
        env: { MAILROOM_IMPORT_MAX_BYTES: '65536' },
      });
      // A tenant of its own: workflow ids (send-<tenant>-<newsletter>) never meet those of an earlier run
      // on the same Temporal server.
      tenant = `fuzz-${crypto.randomBytes(4).toString('hex')}`;
      const { db } = sys.db.database;
      await createAudience(db, tenant, { subscribed: 5, unsubscribed: 1 });
      const newsletters: { id: number }[] = [];
      for (const subject of ['First', 'Second', 'Third'])
        newsletters.push(await createNewsletter(db, { tenantId: tenant, subject, html: '<p>hello</p>' }));
      apiKey = (await sys.user(tenant, 'fuzz@fuzz.test')).apiKey;
      const client = apiClient(sys.url, apiKey);
      assert.equal(newsletters[0]!.id, 1, 'scripts/schemathesis.toml names newsletter 1 in POST /v1/schedules bodies');

      const schedule = async () => {
        const created = await client.post('/v1/schedules', {
          action: { type: 'export', newsletterId: newsletters[0]!.id },
          cron: '0 0 1 1 *',
        });
        assert.equal(created.status, 201, created.text);
        return created.body.id as string;
      };
      const exported = await client.post('/v1/exports', { newsletterId: newsletters[0]!.id });
      assert.equal(exported.status, 202, exported.text);
      const finished = await client.waitForTask(exported.body.taskId);
      assert.equal(finished.status, 'COMPLETED', JSON.stringify(finished));
      const contact = await db
        .selectFrom('contacts')
        .select('id')
        .where('tenant_id', '=', tenant)
        .executeTakeFirstOrThrow();
      await addTenantSender(db, tenant, 'news@fuzz.test');
      Object.assign(seeds, {
        MAILROOM_FUZZ_SENDER: 'news@fuzz.test',
        MAILROOM_FUZZ_API_KEY: apiKey,
        MAILROOM_FUZZ_SCHEDULE_ID: await schedule(),
        MAILROOM_FUZZ_SCHEDULE_TO_DELETE: await schedule(),
        MAILROOM_FUZZ_DOWNLOAD_TOKEN: new URL(finished.result.downloadUrl).pathname.split('/').at(-1)!,
        MAILROOM_FUZZ_UNSUBSCRIBE_TOKEN: signUnsubscribeToken(tenant, contact.id, sys.settings.linkSecret),
      });
    },
    { timeout: 15 * 60_000 },
  );

  after(async () => {
    // The schedules the fuzz created (and the two above) do not outlive the test on the shared server.
    if (sys) {
      const rows = await sys.db.database.db.selectFrom('schedules').select('id').execute();
      for (const { id } of rows) {
        await sys.temporal.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
      }
    }
    await sys?.stop();
    await smtp.stop();
  });

  it(
    'finds no 5xx and no answer the description does not allow, and reaches most handlers',
    { timeout: 20 * 60_000 },
    async () => {
      const { code, output } = await run('bash', [SCRIPT, sys.url, apiKey], { ...process.env, ...seeds });
      assert.equal(code, 0, output.slice(-20_000));
      assert.match(output, /No issues found|passed/i, output.slice(-5_000));
      assert.match(output, /fuzz-coverage: OK: \d+ of \d+ operations answered a 2xx/, output.slice(-5_000));
    },
  );
});
