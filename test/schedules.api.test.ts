import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ScheduleList, ScheduleView } from '../src/shared/views';
import { createNewsletter } from '../src/db/queries/newsletters';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { startTestSystem, type TestSystem } from './support/system';

/** The schedule routes on the real dev server: validation, ownership, and what Temporal ends up holding. */
for (const dialect of DIALECTS) {
  describe(`schedules API on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let mallory: ReturnType<typeof apiClient>;
    let aliceId: string;
    let newsletterId: number;
    let otherNewsletterId: number;
    let scheduleId: string;
    const created: string[] = [];

    before(async () => {
      // No worker: these schedules fire on Mondays at 08:00 at the soonest, and nothing here triggers them.
      sys = await startTestSystem({ dialect, worker: false });
      const aliceUser = await sys.user('acme', 'alice@acme.test');
      aliceId = aliceUser.userId;
      alice = apiClient(sys.url, aliceUser.apiKey);
      bob = apiClient(sys.url, (await sys.user('acme', 'bob@acme.test')).apiKey);
      mallory = apiClient(sys.url, (await sys.user('rival', 'mallory@rival.test')).apiKey);
      newsletterId = (
        await createNewsletter(sys.db.database.db, { tenantId: 'acme', subject: 'Weekly news', html: '<p>hi</p>' })
      ).id;
      otherNewsletterId = (
        await createNewsletter(sys.db.database.db, { tenantId: 'acme', subject: 'Monthly news', html: '<p>hi</p>' })
      ).id;
    });
    after(async () => {
      for (const id of created)
        await sys.temporal.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
      await sys?.stop();
    });

    const countRows = async () => (await sys.db.database.db.selectFrom('schedules').select('id').execute()).length;

    it('creates a weekly export at 08:00 Paris time: 201, ACTIVE, next run on a Monday', async () => {
      const response = await alice.post('/v1/schedules', {
        action: { type: 'export', newsletterId },
        cron: '0 8 * * MON',
        timezone: 'Europe/Paris',
      });
      assert.equal(response.status, 201, response.text);
      scheduleId = response.body.id;
      created.push(scheduleId);
      assert.match(scheduleId, /^sched-[0-9a-f]{16}$/);
      ScheduleView.parse(response.body);
      assert.equal(response.headers.get('location'), `/v1/schedules/${scheduleId}`);
      assert.deepEqual(response.body.action, { type: 'export', newsletterId });
      assert.equal(response.body.cron, '0 8 * * MON');
      assert.equal(response.body.timezone, 'Europe/Paris');
      assert.equal(response.body.status, 'ACTIVE');
      assert.deepEqual(response.body.recentRuns, []);
      const next = new Date(response.body.nextRunAt);
      const paris = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(next);
      assert.equal(paris, 'Mon 08:00');
    });

    it('gives Temporal a schedule an operator can find by tenant and user, skipping overlaps', async () => {
      const described = await sys.temporal.schedule.getHandle(scheduleId).describe();
      assert.equal(described.memo?.tenantId, 'acme');
      assert.equal(described.memo?.userId, aliceId);
      assert.equal(described.memo?.userEmail, 'alice@acme.test');
      const attributes = Object.fromEntries(
        described.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
      );
      assert.deepEqual(
        { TenantId: attributes.TenantId, UserId: attributes.UserId, TaskKind: attributes.TaskKind },
        { TenantId: 'acme', UserId: aliceId, TaskKind: 'export' },
      );
      assert.equal(described.policies.overlap, 'SKIP');
      assert.equal(described.policies.catchupWindow, 3_600_000);
      assert.equal(described.action.workflowType, 'exportNewsletterStats');
      assert.equal(described.action.taskQueue, sys.settings.taskQueue);
      assert.equal(described.action.workflowId, `export-acme-${newsletterId}-${scheduleId}`);
      assert.equal((described.action.args![0] as { scheduleId: string }).scheduleId, scheduleId);
    });

    it('lists and shows the schedule to its owner', async () => {
      const listed = await alice.get('/v1/schedules');
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.items.map((s: any) => s.id),
        [scheduleId],
      );
      ScheduleList.parse(listed.body);
      const shown = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.cron, '0 8 * * MON');
    });

    it('refuses a malformed crontab, interval or time zone with 400 naming the field, creating nothing', async () => {
      const rows = await countRows();
      const action = { type: 'export', newsletterId };
      for (const [body, field] of [
        [{ action, cron: '0 8 * *' }, 'cron'],
        [{ action, cron: '61 8 * * MON' }, 'cron'],
        [{ action, cron: '0 8 * * FUNDAY' }, 'cron'],
        [{ action, cron: '0 0 L * *' }, 'cron'],
        [{ action, every: '15' }, 'every'],
        [{ action, every: 'fortnightly' }, 'every'],
        [{ action, every: '0m' }, 'every'],
        [{ action, cron: '0 8 * * MON', timezone: 'Mars/Olympus' }, 'timezone'],
        [{ action, every: '1h', timezone: 'Europe/Pariss' }, 'timezone'],
        [{ action }, 'cron'],
        [{ action, cron: '0 8 * * MON', every: '1h' }, 'every'],
        [{ action: { type: 'export', newsletterId: 'one' }, every: '1h' }, 'action.newsletterId'],
        [{ action: { type: 'delete-everything', newsletterId }, every: '1h' }, 'action.type'],
        [{ action, every: '1h', extra: 1 }, 'extra'],
      ] as const) {
        const response = await alice.post('/v1/schedules', body);
        assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
        assert.equal(response.body.error.code, 'invalid_request');
        const message: string = response.body.error.message;
        // An unknown key is named in quotes, any other field before the colon.
        assert.ok(
          message.startsWith(`${field}:`) || message.includes(`"${field}"`),
          `${JSON.stringify(body)} → ${message}`,
        );
      }
      assert.equal(
        (await alice.post('/v1/schedules', { action: { type: 'export', newsletterId: 999_999 }, every: '1h' })).status,
        404,
      );
      assert.equal(
        (await mallory.post('/v1/schedules', { action, every: '1h' })).status,
        404,
        'another tenant’s newsletter',
      );
      assert.equal(await countRows(), rows);
      assert.deepEqual(
        (await alice.get('/v1/schedules')).body.items.map((s: any) => s.id),
        [scheduleId],
      );
    });

    it('answers 404 to anyone else, exactly as for an unknown schedule, and changes nothing', async () => {
      const unknown = 'sched-0000000000000000';
      for (const client of [bob, mallory]) {
        const calls: Array<[string, string, unknown?]> = [
          ['GET', ''],
          ['PATCH', '', { every: '1m' }],
          ['POST', '/pause'],
          ['POST', '/unpause'],
          ['POST', '/trigger'],
          ['DELETE', ''],
        ];
        for (const [method, suffix, body] of calls) {
          const theirs = await client.call(method, `/v1/schedules/${scheduleId}${suffix}`, body);
          const none = await client.call(method, `/v1/schedules/${unknown}${suffix}`, body);
          assert.equal(theirs.status, 404, `${method} ${suffix}`);
          assert.deepEqual(theirs.body, none.body);
        }
        assert.deepEqual((await client.get('/v1/schedules')).body.items, []);
      }
      assert.equal((await alice.get('/v1/schedules/not-a-schedule')).status, 404);
      const still = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.equal(still.body.status, 'ACTIVE');
      assert.equal(still.body.cron, '0 8 * * MON');
    });

    it('changes the recurrence and the newsletter with PATCH, in Temporal too', async () => {
      const bad = await alice.call('PATCH', `/v1/schedules/${scheduleId}`, { cron: '0 8 * * SOMEDAY' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /^cron:/);
      const response = await alice.call('PATCH', `/v1/schedules/${scheduleId}`, {
        every: '6h',
        timezone: null,
        action: { type: 'export', newsletterId: otherNewsletterId },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.every, '6h');
      assert.equal(response.body.cron, undefined);
      assert.equal(response.body.timezone, 'UTC');
      assert.equal(response.body.action.newsletterId, otherNewsletterId);
      const described = await sys.temporal.schedule.getHandle(scheduleId).describe();
      assert.deepEqual(
        described.spec.intervals?.map((i) => i.every),
        [6 * 3_600_000],
      );
      assert.deepEqual(described.spec.calendars ?? [], []);
      assert.equal(described.action.workflowId, `export-acme-${otherNewsletterId}-${scheduleId}`);
      assert.equal((described.action.args![0] as { newsletterId: number }).newsletterId, otherNewsletterId);
    });

    it('pauses with a note and unpauses', async () => {
      assert.equal((await alice.post(`/v1/schedules/${scheduleId}/pause`, { note: 'holidays' })).status, 204);
      const paused = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.equal(paused.body.status, 'PAUSED');
      assert.equal(paused.body.note, 'holidays');
      assert.equal(paused.body.nextRunAt, undefined);
      assert.equal((await sys.temporal.schedule.getHandle(scheduleId).describe()).state.paused, true);
      assert.equal((await alice.post(`/v1/schedules/${scheduleId}/unpause`)).status, 204);
      const resumed = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.equal(resumed.body.status, 'ACTIVE');
      assert.ok(resumed.body.nextRunAt);
    });

    it('deletes with 204: the schedule is gone from the API and from Temporal', async () => {
      assert.equal((await alice.call('DELETE', `/v1/schedules/${scheduleId}`)).status, 204);
      assert.equal((await alice.get(`/v1/schedules/${scheduleId}`)).status, 404);
      assert.deepEqual((await alice.get('/v1/schedules')).body.items, []);
      await assert.rejects(sys.temporal.schedule.getHandle(scheduleId).describe(), ScheduleNotFoundError);
      assert.equal(await countRows(), 0);
    });
  });
}
