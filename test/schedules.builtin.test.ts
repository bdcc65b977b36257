import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createNewsletter } from '../src/db/queries/newsletters';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import { builtinScheduleId, syncBuiltinSchedules } from '../src/schedules/builtin';
import { previousLocalDay } from '../src/schedules/digest-period';
import { connectClient } from '../src/temporal/connect';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { waitUntil, withDeadline } from './support/wait';
import { startTestSystem, testSettings, type TestSystem } from './support/system';

const CLI = path.resolve(__dirname, '../src/cli/main.ts');

/** Triggers a built-in schedule and returns the result of the run it started. */
async function runNow<T>(client: Client, scheduleId: string): Promise<T> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const run = await waitUntil('the triggered run', async () => {
    const actions = (await handle.describe()).info.recentActions;
    return actions.length > before && actions[actions.length - 1];
  });
  const { workflowId } = run.action.workflow;
  return withDeadline(`the run ${workflowId} to finish`, client.workflow.getHandle(workflowId).result(), 60_000);
}

describe('built-in schedules: `mailroom schedules sync`', () => {
  const taskQueue = `test-sync-${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sync-'));
  const ids = [builtinScheduleId(taskQueue, 'purgeExpiredExports'), builtinScheduleId(taskQueue, 'dailyDigest')];
  let client: Client;

  const sync = (env: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'schedules', 'sync'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        MAILROOM_TASK_QUEUE: taskQueue,
        MAILROOM_DATA_DIR: dataDir,
        LINK_SECRET: 'x'.repeat(32),
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim().split('\n');
  };

  before(async () => {
    client = await connectClient(await testSettings({}));
  });
  after(async () => {
    for (const id of ids)
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await client.connection.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates both schedules, and a second run updates them: exactly one of each', async () => {
    assert.deepEqual(
      sync(),
      ids.map((id) => `created schedule ${id}`),
    );
    assert.deepEqual(
      sync(),
      ids.map((id) => `updated schedule ${id}`),
    );
    const listed = await waitUntil('both schedules in the list', async () => {
      const found: string[] = [];
      for await (const summary of client.schedule.list())
        if (summary.scheduleId.startsWith(`${taskQueue}-`)) found.push(summary.scheduleId);
      return found.length >= 2 && found;
    });
    assert.deepEqual(listed.sort(), [...ids].sort());

    const purge = await client.schedule.getHandle(ids[0]!).describe();
    assert.deepEqual(
      purge.spec.intervals?.map((i) => i.every),
      [3_600_000],
    );
    assert.equal(purge.action.workflowType, 'purgeExpiredExports');
    assert.equal(purge.action.taskQueue, taskQueue);
    assert.equal(purge.policies.overlap, 'SKIP');
    assert.equal(purge.policies.catchupWindow, 3_600_000);
    const digest = await client.schedule.getHandle(ids[1]!).describe();
    assert.equal(digest.spec.timezone, 'UTC');
    assert.deepEqual(
      digest.spec.calendars?.map((c) => [c.hour[0]?.start, c.minute[0]?.start]),
      [[7, 0]],
    );
    assert.equal(digest.policies.catchupWindow, 6 * 3_600_000);
  });

  it('updates a schedule whose definition changed, and keeps an operator’s pause', async () => {
    await client.schedule.getHandle(ids[0]!).pause('maintenance window');
    assert.deepEqual(
      sync({ MAILROOM_DIGEST_CRON: '30 6 * * MON-FRI', MAILROOM_DIGEST_TIMEZONE: 'Europe/Paris' }),
      ids.map((id) => `updated schedule ${id}`),
    );
    const digest = await client.schedule.getHandle(ids[1]!).describe();
    assert.equal(digest.spec.timezone, 'Europe/Paris');
    const [calendar] = digest.spec.calendars ?? [];
    assert.deepEqual([calendar?.hour[0]?.start, calendar?.minute[0]?.start], [6, 30]);
    assert.deepEqual(calendar?.dayOfWeek, [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }]);
    assert.deepEqual(digest.action.args, [{ timezone: 'Europe/Paris' }]);
    const purge = await client.schedule.getHandle(ids[0]!).describe();
    assert.equal(purge.state.paused, true);
    assert.equal(purge.state.note, 'maintenance window');
  });

  it('refuses a malformed digest crontab by name, before touching Temporal', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'schedules', 'sync'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        MAILROOM_TASK_QUEUE: taskQueue,
        MAILROOM_DATA_DIR: dataDir,
        MAILROOM_DIGEST_CRON: 'at seven',
      },
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^mailroom: invalid setting MAILROOM_DIGEST_CRON: /);
  });
});

for (const dialect of DIALECTS) {
  describe(`built-in schedules do their work, on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let purgeId: string;
    let digestId: string;

    before(async () => {
      await smtp.start();
      // Links that expire within the test, so the purge has something to delete.
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url, env: { LINK_TTL: '2s' } });
      await syncBuiltinSchedules(sys.temporal, sys.settings);
      purgeId = builtinScheduleId(sys.settings.taskQueue, 'purgeExpiredExports');
      digestId = builtinScheduleId(sys.settings.taskQueue, 'dailyDigest');
    });
    after(async () => {
      for (const id of [purgeId, digestId])
        if (id)
          await sys.temporal.schedule
            .getHandle(id)
            .delete()
            .catch(() => undefined);
      await sys?.stop();
      await smtp.stop();
    });

    it('purges an expired export’s file and row; its link then still answers 410', async () => {
      const { db } = sys.db.database;
      const newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 20 }))!.newsletters.small;
      const alice = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'alice@demo.test')).apiKey);
      const started = await alice.post('/v1/exports', { newsletterId });
      assert.equal(started.status, 202, started.text);
      const task = await alice.waitForTask(started.body.taskId, 40_000);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      const expired = await db
        .selectFrom('exports')
        .selectAll()
        .where('task_id', '=', task.taskId)
        .executeTakeFirstOrThrow();
      const expiredFile = path.join(sys.settings.dataDir, 'exports', expired.file_key);
      assert.ok(fs.existsSync(expiredFile));
      // A second export whose link is still valid: the purge must leave it alone.
      const keptKey = `${DEMO_TENANT}/${'a'.repeat(32)}.csv`;
      const keptFile = path.join(sys.settings.dataDir, 'exports', keptKey);
      fs.writeFileSync(keptFile, 'Email\n');
      await db
        .insertInto('exports')
        .values({
          ...expired,
          id: 'a'.repeat(32),
          file_key: keptKey,
          task_id: 'kept',
          expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        })
        .execute();

      // The token's expiry is in whole seconds, the row's in milliseconds: wait for both.
      await waitUntil(
        'the link to expire',
        async () =>
          (await fetch(task.result.downloadUrl)).status === 410 && Date.now() > Date.parse(expired.expires_at),
      );
      assert.deepEqual(await runNow(sys.temporal, purgeId), { deleted: 1 });

      assert.equal(
        await db.selectFrom('exports').select('id').where('id', '=', expired.id).executeTakeFirst(),
        undefined,
      );
      assert.ok(!fs.existsSync(expiredFile), 'the expired file is deleted');
      const response = await fetch(task.result.downloadUrl);
      assert.equal(response.status, 410);
      assert.equal(((await response.json()) as any).error.code, 'expired');
      assert.ok(fs.existsSync(keptFile), 'an unexpired file stays');
      assert.ok(await db.selectFrom('exports').select('id').where('id', '=', 'a'.repeat(32)).executeTakeFirst());
    });

    it('emails each user of a tenant that sent yesterday its figures, once per day', async () => {
      const { db } = sys.db.database;
      const period = previousLocalDay(new Date(), 'UTC');
      await sys.user('acme', 'ann@acme.test');
      await sys.user('acme', 'ben@acme.test');
      await sys.user('quiet', 'quinn@quiet.test');
      const newsletter = await createNewsletter(db, { tenantId: 'acme', subject: 'Autumn sale', html: '<p>sale</p>' });
      const at = (base: string, hours: number) => new Date(Date.parse(base) + hours * 3_600_000).toISOString();
      // Three sent yesterday (two opened, one clicked, one bounced), one the day before, one today.
      const sends = [
        { sent_at: at(period.from, 9), opens: 2, clicks: 1, bounced: 0 },
        { sent_at: at(period.from, 12), opens: 1, clicks: 0, bounced: 0 },
        { sent_at: at(period.from, 23.5), opens: 0, clicks: 0, bounced: 1 },
        { sent_at: at(period.from, -2), opens: 5, clicks: 5, bounced: 0 },
        { sent_at: at(period.to, 1), opens: 5, clicks: 5, bounced: 0 },
      ];
      for (const [i, send] of sends.entries()) {
        const contact = await db
          .insertInto('contacts')
          .values({
            tenant_id: 'acme',
            email: `c${i}@example.com`,
            first_name: '',
            last_name: '',
            unsubscribed: 0,
            created_at: period.from,
            updated_at: period.from,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('deliveries')
          .values({
            newsletter_id: newsletter.id,
            contact_id: contact.id,
            status: send.bounced ? 'bounced' : 'sent',
            message_id: null,
            attempts: 1,
            last_error: null,
            sent_at: send.sent_at,
            opens: send.opens,
            clicks: send.clicks,
            first_opened_at: null,
            first_clicked_at: null,
            bounced: send.bounced,
            unsubscribed: 0,
            updated_at: send.sent_at,
          })
          .execute();
      }

      const first = await runNow<{ date: string; tenants: number; emails: number }>(sys.temporal, digestId);
      assert.deepEqual(first, { date: period.date, tenants: 1, emails: 2 });
      const digests = await smtp.waitFor((e) => /sending figures/.test(e.mail.subject ?? ''), 2);
      assert.deepEqual(digests.map((e) => e.envelopeTo[0]).sort(), ['ann@acme.test', 'ben@acme.test']);
      for (const email of digests) {
        assert.equal(email.mail.subject, `Your sending figures for ${period.date}: 3 emails sent`);
        assert.match(email.mail.text ?? '', /"Autumn sale": 3 sent, 2 opened, 1 clicked, 1 bounced, 0 unsubscribed/);
      }

      // Run again the same day: nobody gets a second digest.
      const again = await runNow<{ emails: number }>(sys.temporal, digestId);
      assert.equal(again.emails, 0);
      const allDigests = smtp.received.filter((e) => /sending figures/.test(e.mail.subject ?? ''));
      assert.equal(allDigests.length, 2);
      assert.ok(
        !allDigests.some((e) => e.envelopeTo.includes('quinn@quiet.test') || e.envelopeTo.includes('alice@demo.test')),
        'tenants that sent nothing get no digest',
      );
    });
  });
}
