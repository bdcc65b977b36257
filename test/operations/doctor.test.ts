import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckResult } from '../../src/doctor/check';
import { runDoctor } from '../../src/doctor/run-doctor';
import { builtinSchedules, syncBuiltinSchedules } from '../../src/schedules/builtin';
import type { Settings } from '../../src/settings';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { temporalAnswers } from '../../src/temporal/dev-server';
import { freePort } from '../support/ports';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

const CLI = path.resolve(__dirname, '../../src/cli/main.ts');

const byName = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));
const failed = (results: CheckResult[]) => results.filter((r) => !r.ok).map((r) => r.name);

/** `mailroom doctor` as an operator runs it, with these settings in its environment. */
function doctorCli(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'doctor'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('mailroom doctor', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let settings: Settings;
  let env: Record<string, string>;

  before(async () => {
    await smtp.start();
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url });
    settings = sys.settings;
    // What a `mailroom worker` does at start; in-process workers leave it to the test.
    await syncBuiltinSchedules(sys.temporal, settings);
    env = {
      TEMPORAL_ADDRESS: settings.temporalAddress,
      MAILROOM_TASK_QUEUE: settings.taskQueue,
      MAILROOM_DATA_DIR: settings.dataDir,
      DATABASE_URL: settings.databaseUrl,
      SMTP_URL: smtp.url,
      LINK_SECRET: settings.linkSecret,
    };
  });
  after(async () => {
    for (const { scheduleId } of builtinSchedules(settings))
      await sys.temporal.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
    await sys?.stop();
    await smtp.stop();
  });

  it('prints one ✓ line per check and exits 0 on a healthy setup', async () => {
    const { code, output } = await doctorCli(env);
    const lines = output.trim().split('\n');
    assert.equal(code, 0, output);
    assert.equal(lines.at(-1), 'all checks passed');
    const checks = lines.slice(0, -1);
    assert.deepEqual(
      checks.map((line) => line.slice(2, line.indexOf(':'))),
      [
        'Temporal reachable',
        'namespace',
        'search attributes',
        'fairness',
        'built-in schedules',
        'workers polling',
        'database reachable',
        'migrations current',
        'SMTP relay answers',
        'link secret',
        'export store',
      ],
    );
    for (const line of checks) assert.match(line, /^✓ /, line);
  });

  it('prints ✗ with the fix and exits 1 when a check fails', async () => {
    const { code, output } = await doctorCli({ ...env, SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    assert.equal(code, 1, output);
    assert.match(output, /^✗ SMTP relay answers: .* — fix: check SMTP_URL/m);
    assert.match(output, /^1 check failed$/m);
  });

  it('Temporal unreachable: that line and every line that needs Temporal fail', async () => {
    const results = await runDoctor({ ...settings, temporalAddress: `127.0.0.1:${await freePort()}` });
    assert.deepEqual(failed(results), [
      'Temporal reachable',
      'namespace',
      'search attributes',
      'fairness',
      'built-in schedules',
      'workers polling',
    ]);
  });

  it('a namespace that does not exist', async () => {
    const results = byName(await runDoctor({ ...settings, temporalNamespace: `missing-${Date.now()}` }));
    assert.equal(results.namespace!.ok, false);
    assert.match(formatFix(results.namespace!), /temporal operator namespace create/);
  });

  it('separate bulk workers but no `mailroom worker --bulk`: names the bulk queues and how to start one', async () => {
    const results = byName(await runDoctor({ ...settings, bulkWorkers: 'separate' }));
    const polling = results['workers polling']!;
    assert.equal(polling.ok, false);
    const bulk = `${settings.taskQueue}-bulk`;
    assert.equal(polling.detail, `no worker polls ${bulk} (workflows), ${bulk}-email (activities)`);
    assert.match(formatFix(polling), /mailroom worker --bulk/);
  });

  it('no schedules and no worker on another task queue; then a paused schedule', async () => {
    const elsewhere = { ...settings, taskQueue: `doctor-${crypto.randomBytes(4).toString('hex')}` };
    const results = byName(await runDoctor(elsewhere));
    assert.deepEqual(failed(Object.values(results)), ['built-in schedules', 'workers polling']);
    assert.match(formatFix(results['built-in schedules']!), /mailroom schedules sync/);
    assert.match(results['workers polling']!.detail, new RegExp(`no worker polls ${elsewhere.taskQueue}`));

    const [first] = builtinSchedules(settings);
    await sys.temporal.schedule.getHandle(first!.scheduleId).pause('doctor test');
    try {
      const paused = byName(await runDoctor(settings))['built-in schedules']!;
      assert.equal(paused.ok, false);
      assert.match(paused.detail, new RegExp(`paused ${first!.scheduleId}`));
      assert.match(formatFix(paused), /--unpause/);
    } finally {
      await sys.temporal.schedule.getHandle(first!.scheduleId).unpause();
    }
  });

  it('database unreachable, then a database whose migrations are not applied', async () => {
    const down = byName(
      await runDoctor({ ...settings, databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/x` }),
    );
    assert.equal(down['database reachable']!.ok, false);
    assert.equal(down['migrations current']!.ok, false);
    const fresh = path.join(settings.dataDir, 'unmigrated.sqlite');
    const pending = byName(await runDoctor({ ...settings, databaseUrl: fresh }));
    assert.equal(pending['database reachable']!.ok, true);
    assert.equal(pending['migrations current']!.ok, false);
    assert.match(formatFix(pending['migrations current']!), /mailroom migrate/);
  });

  it('no relay and an outbox that cannot be written; an export store that cannot be written', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-doctor-'));
    try {
      // A file where the directories should be: not writable as directories, even for root.
      fs.writeFileSync(path.join(dataDir, 'outbox'), '');
      fs.writeFileSync(path.join(dataDir, 'exports'), '');
      const results = byName(await runDoctor({ ...settings, smtpUrl: undefined, dataDir }));
      assert.equal(results['outbox writable']!.ok, false);
      assert.equal(results['export store']!.ok, false);
      fs.rmSync(path.join(dataDir, 'outbox'));
      assert.equal(byName(await runDoctor({ ...settings, smtpUrl: undefined, dataDir }))['outbox writable']!.ok, true);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a weak link secret in production', async () => {
    const weak = byName(
      await runDoctor({ ...settings, production: true, linkSecret: 'change-me-change-me-change-me-change-me' }),
    );
    assert.equal(weak['link secret']!.ok, false);
    assert.match(formatFix(weak['link secret']!), /openssl rand -hex 32/);
    const strong = byName(
      await runDoctor({ ...settings, production: true, linkSecret: crypto.randomBytes(32).toString('hex') }),
    );
    assert.equal(strong['link secret']!.ok, true);
  });

  describe('on a Temporal server without mailroom’s setup (no search attributes, four partitions)', () => {
    let server: ChildProcess;
    let address: string;
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-doctor-temporal-'));

    before(async () => {
      const cliPath = process.env.MAILROOM_TEST_TEMPORAL_CLI ?? findTemporalCli();
      assert.ok(cliPath);
      address = `127.0.0.1:${await freePort()}`;
      const [, port] = address.split(':');
      server = spawn(
        cliPath,
        [
          'server',
          'start-dev',
          '--headless',
          '--ip',
          '127.0.0.1',
          '--port',
          port!,
          '--db-filename',
          path.join(stateDir, 't.sqlite'),
          '--log-level',
          'error',
        ],
        { stdio: 'ignore' },
      );
      await waitUntil('the bare Temporal server to answer', () => temporalAnswers(address), 90_000);
    });
    after(async () => {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it('search attributes and fairness fail, naming what to set', async () => {
      const results = byName(await runDoctor({ ...settings, temporalAddress: address }));
      assert.equal(results['search attributes']!.ok, false);
      assert.match(results['search attributes']!.detail, /missing TenantId, UserId, TaskKind/);
      assert.equal(results.fairness!.ok, false);
      assert.match(results.fairness!.detail, /4 partitions/);
      assert.match(formatFix(results.fairness!), /matching\.enableFairness=true/);
    });
  });
});

function formatFix(result: CheckResult): string {
  return result.ok ? '' : result.fix;
}
