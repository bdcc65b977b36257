import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ScheduleCreate, SchedulePatch } from '../../src/api/schemas/schedules';
import { previousLocalDay } from '../../src/schedules/digest-period';
import { cronProblem, intervalMs, isTimeZone, toScheduleSpec } from '../../src/schedules/spec';
import { loadSettings, SettingsError } from '../../src/settings';

describe('schedule specs', () => {
  it('accepts 5-field crontabs with names, ranges, steps and lists', () => {
    for (const cron of ['0 8 * * MON', '*/15 * * * *', '30 6 1,15 * *', '0 9 * JAN-MAR MON-FRI', '0  8 * *  mon']) {
      assert.equal(cronProblem(cron), undefined, cron);
    }
  });

  it('refuses other crontabs, saying why', () => {
    for (const [cron, why] of [
      ['0 8 * *', /5 fields/],
      ['0 0 8 * * MON', /5 fields/],
      ['@daily', /5 fields/],
      ['61 * * * *', /not a valid crontab/],
      ['0 25 * * *', /not a valid crontab/],
      ['0 8 * * FUNDAY', /three-letter names only/],
      ['0 8 * * MONDAY', /three-letter names only/],
      ['0 8 * * XYZ', /not a valid crontab/],
      ['0 0 L * *', /three-letter names only/],
      ['0 0 * * 5#2', /three-letter names only/],
      ['0 0 ? * *', /three-letter names only/],
      ['0 0 31 2 *', /not a valid crontab/],
    ] as const) {
      assert.match(cronProblem(cron) ?? 'accepted', why, cron);
    }
  });

  it('reads intervals in s, m, h and d, up to a year', () => {
    assert.equal(intervalMs('30s'), 30_000);
    assert.equal(intervalMs('15m'), 900_000);
    assert.equal(intervalMs('2h'), 7_200_000);
    assert.equal(intervalMs('1d'), 86_400_000);
    for (const bad of ['0s', '15', 'm', '1.5h', '-1m', '15 m', '1w', '400d', '15min'])
      assert.equal(intervalMs(bad), undefined, bad);
  });

  it('knows IANA time zones and nothing else', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires']) assert.ok(isTimeZone(zone), zone);
    for (const zone of ['Mars/Olympus', 'Europe/Pariss', '', '../etc', '+02:00']) assert.ok(!isTimeZone(zone), zone);
  });

  it('compiles to a Temporal spec: cron with its zone, or an interval', () => {
    assert.deepEqual(toScheduleSpec({ cron: '0  8 * * MON', timezone: 'Europe/Paris' }), {
      cronExpressions: ['0 8 * * MON'],
      timezone: 'Europe/Paris',
    });
    assert.deepEqual(toScheduleSpec({ every: '15m' }), { intervals: [{ every: 900_000 }], timezone: 'UTC' });
  });

  it('validates request bodies naming the field', () => {
    const field = (schema: typeof ScheduleCreate | typeof SchedulePatch, body: unknown) => {
      const result = schema.safeParse(body);
      return result.success ? 'accepted' : result.error.issues[0]!.path.join('.');
    };
    const action = { type: 'export', newsletterId: 1 };
    assert.equal(field(ScheduleCreate, { action, cron: '0 8 * * MON', timezone: 'Europe/Paris' }), 'accepted');
    assert.equal(field(ScheduleCreate, { action, every: '30s' }), 'accepted');
    assert.equal(field(ScheduleCreate, { action, cron: 'every monday' }), 'cron');
    assert.equal(field(ScheduleCreate, { action, every: 'often' }), 'every');
    assert.equal(field(ScheduleCreate, { action, cron: '0 8 * * MON', timezone: 'Mars/Olympus' }), 'timezone');
    assert.equal(field(ScheduleCreate, { action }), 'cron');
    assert.equal(field(ScheduleCreate, { action, cron: '0 8 * * MON', every: '1h' }), 'every');
    assert.equal(field(ScheduleCreate, { action: { type: 'send', newsletterId: 1 }, every: '1h' }), 'action.type');
    assert.equal(field(ScheduleCreate, { every: '1h' }), 'action');
    assert.equal(field(SchedulePatch, { timezone: null }), 'accepted');
    assert.equal(field(SchedulePatch, {}), '');
  });
});

describe('the daily digest', () => {
  it('reports the local day before the run, bounded by local midnights', () => {
    assert.deepEqual(previousLocalDay(new Date('2026-03-02T07:00:00Z'), 'UTC'), {
      date: '2026-03-01',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    });
    // 01:00 in Tokyo on the 2nd is still the 1st in UTC: yesterday is Tokyo's 1st.
    assert.deepEqual(previousLocalDay(new Date('2026-03-01T16:00:00Z'), 'Asia/Tokyo'), {
      date: '2026-03-01',
      from: '2026-02-28T15:00:00.000Z',
      to: '2026-03-01T15:00:00.000Z',
    });
  });

  it('gives a 23-hour day when clocks go forward and a 25-hour one when they go back', () => {
    const spring = previousLocalDay(new Date('2026-03-30T05:00:00Z'), 'Europe/Paris');
    assert.equal(spring.date, '2026-03-29');
    assert.equal(Date.parse(spring.to) - Date.parse(spring.from), 23 * 3_600_000);
    const autumn = previousLocalDay(new Date('2026-11-02T12:00:00Z'), 'America/New_York');
    assert.equal(autumn.date, '2026-11-01');
    assert.equal(Date.parse(autumn.to) - Date.parse(autumn.from), 25 * 3_600_000);
  });

  it('reads its crontab and zone from settings, refusing malformed ones by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-settings-'));
    const defaults = loadSettings({ MAILROOM_DATA_DIR: dir });
    assert.equal(defaults.digestCron, '0 7 * * *');
    assert.equal(defaults.digestTimezone, 'UTC');
    const custom = loadSettings({
      MAILROOM_DATA_DIR: dir,
      MAILROOM_DIGEST_CRON: '30 6 * * MON-FRI',
      MAILROOM_DIGEST_TIMEZONE: 'Europe/Paris',
    });
    assert.equal(custom.digestCron, '30 6 * * MON-FRI');
    assert.equal(custom.digestTimezone, 'Europe/Paris');
    assert.throws(
      () => loadSettings({ MAILROOM_DATA_DIR: dir, MAILROOM_DIGEST_CRON: '7am' }),
      (e: Error) => e instanceof SettingsError && /MAILROOM_DIGEST_CRON/.test(e.message),
    );
    assert.throws(
      () => loadSettings({ MAILROOM_DATA_DIR: dir, MAILROOM_DIGEST_TIMEZONE: 'Paris' }),
      (e: Error) => e instanceof SettingsError && /MAILROOM_DIGEST_TIMEZONE/.test(e.message),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
