import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import { progressQuery, type ExportNewsletterStatsInput } from '../src/shared/contracts';
import { exportNewsletterStats } from '../src/workflows';
import { startTestSystem, type TestSystem } from './support/system';

describe('exportNewsletterStats workflow on the dev server', () => {
  let sys: TestSystem;
  let userId: string;
  let newsletterId: number;
  const start = (input: Partial<ExportNewsletterStatsInput>, id: string) =>
    sys.temporal.workflow.start(exportNewsletterStats, {
      taskQueue: sys.settings.taskQueue,
      workflowId: `${id}-${sys.settings.taskQueue}`,
      args: [{ tenantId: DEMO_TENANT, userId, newsletterId, linkTtlMs: 60_000, ...input }],
    });
  const notificationOf = (taskId: string) =>
    sys.db.database.db.selectFrom('notifications').selectAll().where('task_id', '=', taskId).execute();
  const outbox = () =>
    fs.existsSync(path.join(sys.settings.dataDir, 'outbox'))
      ? fs.readdirSync(path.join(sys.settings.dataDir, 'outbox'))
      : [];
  const exportFiles = () => {
    const dir = path.join(sys.settings.dataDir, 'exports', DEMO_TENANT);
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };

  before(async () => {
    sys = await startTestSystem({ dialect: 'sqlite' });
    newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 20_000 }))!.newsletters.headline;
    userId = (await sys.user(DEMO_TENANT, 'wf@demo.test')).userId;
  });
  after(async () => sys?.stop());

  it('fails an unknown newsletter at once, without retrying, and tells the user why', async () => {
    const handle = await start({ newsletterId: 987_654 }, 'export-unknown');
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof WorkflowFailedError);
    // An activity task's failure comes as ActivityFailure → ApplicationFailure; a local activity's, unwrapped.
    const cause = error.cause instanceof ApplicationFailure ? error.cause : error.cause?.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'NewsletterNotFound');
    const history = await handle.fetchHistory();
    // Activity tasks' attempts, and local activities' (prepareExport is one): their markers' last attempt.
    const attempts = history.events!.flatMap((e) => {
      if (e.activityTaskStartedEventAttributes) return [e.activityTaskStartedEventAttributes.attempt];
      const marker = e.markerRecordedEventAttributes;
      const data = marker?.markerName === 'core_local_activity' && marker.details?.data?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString()) as { attempt: number }).attempt] : [];
    });
    assert.deepEqual(attempts.slice(0, 1), [1], 'prepareExport ran once');
    assert.ok(!attempts.some((a) => (a ?? 1) > 1), 'nothing was retried');
    const [notification] = await notificationOf(handle.workflowId);
    assert.match(notification!.message, /failed: the newsletter does not exist/);
    assert.deepEqual(outbox(), []);
  });

  it('writes in chunks, answers progress, carries search attributes, and finishes', async () => {
    const handle = await start({ chunkRows: 3_000 }, 'export-chunked');
    const result = await handle.result();
    assert.equal(result.rows, 20_000);
    const progress = await handle.query(progressQuery);
    assert.deepEqual(progress, { phase: 'done', done: 20_000, total: 20_000 });
    const history = await handle.fetchHistory();
    const chunks = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeStatsCsvChunk',
    );
    assert.equal(chunks.length, 7);
    const scheduled = chunks[0]!.activityTaskScheduledEventAttributes!;
    assert.ok(Number(scheduled.heartbeatTimeout?.seconds) > 0, 'the long activity heartbeats');
    assert.ok(Number(scheduled.startToCloseTimeout?.seconds) > 0);
    assert.ok((scheduled.retryPolicy?.maximumAttempts ?? 0) > 1);
    assert.ok(scheduled.retryPolicy?.nonRetryableErrorTypes?.includes('NewsletterNotFound'));
    const lines = fs
      .readFileSync(path.join(sys.settings.dataDir, 'exports', DEMO_TENANT, `${result.exportId}.csv`), 'utf8')
      .trim()
      .split('\n');
    assert.equal(lines.length, 20_001);
    assert.equal(outbox().length, 1);
    const [notification] = await notificationOf(handle.workflowId);
    assert.match(notification!.message, /ready: 20000 rows/);
  });

  it('stops on cancel, removes its partial file, sends nothing, and says it was cancelled', async () => {
    const before = outbox().length;
    const filesBefore = exportFiles().length;
    const handle = await start({ chunkRows: 100 }, 'export-cancelled');
    const deadline = Date.now() + 30_000;
    while ((await handle.query(progressQuery)).done < 300) {
      assert.ok(Date.now() < deadline, 'the export made progress');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(
      exportFiles().some((f) => f.endsWith('.part')),
      'a partial file exists while writing',
    );
    await handle.cancel();
    await assert.rejects(handle.result());
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    assert.equal(exportFiles().length, filesBefore, 'the partial file is gone');
    assert.equal(outbox().length, before);
    const [notification] = await notificationOf(handle.workflowId);
    assert.match(notification!.message, /was cancelled/);
  });
});
