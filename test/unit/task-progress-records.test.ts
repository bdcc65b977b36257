import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { progressRecorder } from '../../src/activities/task-progress';
import { notificationOutcome } from '../../src/api/notification-outcome';
import { connectDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database } from '../../src/db/schema';
import { furthestProgress } from '../../src/services/recorded-progress';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('progress a running activity records in its task’s row', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-progress-'));
  let database: Database;
  const recorded = async () =>
    (await database.db.selectFrom('tasks').select('progress').where('id', '=', 't1').executeTakeFirstOrThrow())
      .progress;

  before(async () => {
    database = connectDatabase(path.join(dir, 'mailroom.sqlite'));
    await migrateToLatest(database);
    const at = new Date().toISOString();
    await database.db.insertInto('tenants').values({ id: 'demo', name: 'Demo', created_at: at }).execute();
    await database.db
      .insertInto('users')
      .values({ id: 'u1', tenant_id: 'demo', email: 'u1@demo.test', api_key_hash: 'k', created_at: at })
      .execute();
    await database.db
      .insertInto('tasks')
      .values({
        id: 't1',
        tenant_id: 'demo',
        user_id: 'u1',
        kind: 'export',
        idempotency_key: null,
        request_hash: 'h',
        created_at: at,
      })
      .execute();
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes at most once per interval however often it is told, and the latest figure after each interval', async () => {
    const recorder = progressRecorder(database.db, 't1', 1_000);
    for (let done = 1; done <= 1_000; done += 1) recorder.note({ phase: 'writing', done, total: 5_000 });
    await recorder.settle();
    assert.equal(await recorded(), null, 'nothing before the first interval has passed');
    await sleep(1_100);
    recorder.note({ phase: 'writing', done: 1_500, total: 5_000 });
    recorder.note({ phase: 'writing', done: 1_600, total: 5_000 });
    await recorder.settle();
    assert.deepEqual(JSON.parse((await recorded())!), { phase: 'writing', done: 1_500, total: 5_000 });
  });

  it('takes the further figure within one phase, the workflow’s own across phases', () => {
    const live = { phase: 'writing', done: 0, total: 450_000 };
    const row = JSON.stringify({ phase: 'writing', done: 120_000, total: 450_000 });
    assert.deepEqual(furthestProgress(live, row), { phase: 'writing', done: 120_000, total: 450_000 });
    const later = { phase: 'writing', done: 200_000, total: 450_000 };
    assert.deepEqual(furthestProgress(later, row), later, 'an older record never holds the bar back');
    const publishing = { phase: 'publishing', done: 450_000, total: 450_000 };
    assert.deepEqual(furthestProgress(publishing, row), publishing);
    assert.deepEqual(furthestProgress(live, null), live);
    assert.deepEqual(furthestProgress(live, 'not json'), live);
  });
});

describe('a notification’s outcome as figures and codes', () => {
  it('copies an export’s figures and a failure’s code, nothing else of the result', () => {
    const exported = notificationOutcome(
      JSON.stringify({
        status: 'COMPLETED',
        progress: { phase: 'done', done: 20_000, total: 20_000 },
        result: { exportId: 'x', rows: 20_000, bytes: 1_800_000, sha256: 'a'.repeat(64), expiresAt: 'later' },
      }),
    );
    assert.deepEqual(exported, { status: 'COMPLETED', rows: 20_000, bytes: 1_800_000 });
    const failed = notificationOutcome(
      JSON.stringify({
        status: 'FAILED',
        progress: { phase: 'failed', done: 0, total: 0 },
        error: { code: 'NewsletterNotFound', message: 'the newsletter does not exist (any more)' },
      }),
    );
    assert.deepEqual(failed, { status: 'FAILED', errorCode: 'NewsletterNotFound' });
    assert.equal(notificationOutcome(null), undefined, 'a task of an earlier release');
  });
});
