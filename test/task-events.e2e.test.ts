import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TaskView } from '../src/shared/views';
import { DEMO_TENANT, HEADLINE_SUBJECT, seedDemoTenant } from '../src/db/seed';
import { apiClient } from './support/http';
import { openEventStream, type SseMessage } from './support/sse';
import { startTestSystem, type TestSystem } from './support/system';
import { waitUntil, withDeadline } from './support/wait';

/**
 * Following a task: its events, cancelling it, and the notification it leaves. On PostgreSQL, because a
 * lock on `contacts` holds an export inside its writing step for as long as the test needs (no sleeps).
 */
describe('following, cancelling and being notified about a task (PostgreSQL)', () => {
  let sys: TestSystem;
  let aliceKey: string;
  let alice: ReturnType<typeof apiClient>;
  let newsletterId: number;
  const exportFiles = () => {
    const dir = path.join(sys.settings.dataDir, 'exports', DEMO_TENANT);
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  const until = (what: string, check: () => boolean | Promise<boolean>) =>
    waitUntil(what, check, { timeoutMs: 30_000, intervalMs: 50 });
  /** Holds an ACCESS EXCLUSIVE lock on contacts until `release()`: an export's row reads wait on it. */
  const lockContacts = async () => {
    const client = new pg.Client({ connectionString: sys.db.url });
    await client.connect();
    await client.query('begin');
    await client.query('lock table contacts in access exclusive mode');
    return { release: async () => void (await client.query('commit'), await client.end()) };
  };
  /** Every message until the server closes the stream, which it must do within 60 s. */
  const collect = (messages: AsyncGenerator<SseMessage>) =>
    withDeadline(
      'the server to close the event stream',
      (async () => {
        const seen: SseMessage[] = [];
        for await (const message of messages) seen.push(message);
        return seen;
      })(),
      60_000,
    );

  before(async () => {
    sys = await startTestSystem({
      dialect: 'postgres',
      env: { MAILROOM_SSE_HEARTBEAT: '100ms', MAILROOM_API_METRICS_PORT: '0' },
    });
    newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 2_000 }))!.newsletters.headline;
    aliceKey = (await sys.user(DEMO_TENANT, 'alice@demo.test')).apiKey;
    alice = apiClient(sys.url, aliceKey);
  });
  after(async () => sys?.stop());

  it('streams progress while the task runs, then one end event with the closed task, then closes', async () => {
    const started = await alice.post('/v1/exports', { newsletterId });
    const stream = await openEventStream(`${sys.url}/v1/tasks/${started.body.taskId}/events`, aliceKey);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.response.headers.get('cache-control'), 'no-cache, no-transform');
    const events = (await collect(stream.messages)).filter((m) => m.event);
    const end = events.at(-1)!;
    assert.equal(end.event, 'end');
    const task = TaskView.parse(JSON.parse(end.data!));
    assert.equal(task.status, 'COMPLETED');
    assert.deepEqual(
      task,
      (await alice.get(`/v1/tasks/${task.taskId}`)).body,
      'the end event is the task as GET shows it',
    );
    const progress = events.slice(0, -1);
    assert.ok(progress.every((m) => m.event === 'progress' && JSON.parse(m.data!).status === 'RUNNING'));
    const states = progress.map((m) => JSON.stringify(JSON.parse(m.data!).progress));
    assert.equal(new Set(states).size, states.length, 'an event only when something changed');
    assert.deepEqual(
      events.map((m) => Number(m.id)),
      events.map((_, i) => i + 1),
    );

    const reconnect = await fetch(`${sys.url}/v1/tasks/${task.taskId}/events`, {
      headers: { Authorization: `Bearer ${aliceKey}`, 'Last-Event-ID': end.id! },
    });
    assert.equal(reconnect.status, 204, 'an EventSource reconnecting to a closed task is told to stop');
  });

  it('cancels an export mid-file: the stream ends CANCELED, the partial file is gone, one notification says so', async () => {
    const lock = await lockContacts();
    let taskId: string;
    try {
      taskId = (await alice.post('/v1/exports', { newsletterId })).body.taskId;
      const stream = await openEventStream(`${sys.url}/v1/tasks/${taskId}/events`, aliceKey);
      const seen: SseMessage[] = [];
      const reading = (async () => {
        for await (const message of stream.messages) seen.push(message);
      })();
      await until('the partial file', () => exportFiles().some((f) => f.endsWith('.csv.part')));
      await until('a heartbeat comment', () => seen.some((m) => m.comment === 'heartbeat'));
      await until('a writing progress event', () =>
        seen.some((m) => m.event === 'progress' && JSON.parse(m.data!).progress.phase === 'writing'),
      );

      const cancelled = await alice.post(`/v1/tasks/${taskId}/cancel`);
      assert.equal(cancelled.status, 202, cancelled.text);
      assert.deepEqual(cancelled.body, {
        taskId,
        cancelRequested: true,
        links: { self: `/v1/tasks/${taskId}`, events: `/v1/tasks/${taskId}/events` },
      });
      await lock.release();
      await withDeadline('the server to close the event stream', reading, 60_000);
      const end = seen.filter((m) => m.event).at(-1)!;
      assert.equal(end.event, 'end');
      assert.equal(JSON.parse(end.data!).status, 'CANCELED');
    } finally {
      await lock.release().catch(() => undefined);
    }

    const task = (await alice.get(`/v1/tasks/${taskId}`)).body;
    assert.equal(task.status, 'CANCELED');
    assert.deepEqual(task.error, { code: 'canceled', message: 'the task was cancelled' });
    // Only the first test's completed export is left.
    await until('the partial file to be removed', () => exportFiles().every((f) => f.endsWith('.csv')));
    assert.equal(exportFiles().length, 1);

    const again = await alice.post(`/v1/tasks/${taskId}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'task_closed');
    const notes = (await alice.get('/v1/notifications')).body.items.filter((n: any) => n.taskId === taskId);
    assert.deepEqual(
      notes.map((n: any) => n.message),
      [`Your export of "${HEADLINE_SUBJECT}" was cancelled.`],
    );
    // Beside the English text, what a page in another language words it from.
    assert.deepEqual(notes[0].outcome, { status: 'CANCELED', errorCode: 'canceled' });
  });

  it('cancels a contact import: CANCELED, the upload deleted, one notification that says what was kept', async () => {
    const lock = await lockContacts();
    let taskId: string;
    try {
      const started = await alice.call('POST', '/v1/contacts/import', 'one@example.com\ntwo@example.com\n', {
        'Content-Type': 'text/csv',
      });
      taskId = started.body.taskId;
      await until(
        'the import step',
        async () => (await alice.get(`/v1/tasks/${taskId}`)).body.progress.phase === 'importing',
      );
      assert.equal((await alice.post(`/v1/tasks/${taskId}/cancel`)).status, 202);
    } finally {
      await lock.release();
    }
    const task = await alice.waitForTask(taskId);
    assert.equal(task.status, 'CANCELED');
    const notes = (await alice.get('/v1/notifications')).body.items.filter((n: any) => n.taskId === taskId);
    assert.deepEqual(
      notes.map((n: any) => n.message),
      ['Your contact import was cancelled; the contacts it had already imported were kept.'],
    );
    const uploads = path.join(sys.settings.dataDir, 'imports', DEMO_TENANT);
    await until('the upload to be deleted', () => !fs.existsSync(uploads) || fs.readdirSync(uploads).length === 0);
  });

  it('stops polling when the client goes away', async () => {
    const gauge = async () =>
      Number(
        /^mailroom_task_event_streams (\d+)$/m.exec(await (await fetch(`${sys.api!.metricsUrl}/metrics`)).text())?.[1],
      );
    const lock = await lockContacts();
    try {
      const { taskId } = (await alice.post('/v1/exports', { newsletterId })).body;
      const stream = await openEventStream(`${sys.url}/v1/tasks/${taskId}/events`, aliceKey);
      await withDeadline('the first event', stream.messages.next(), 30_000);
      assert.equal(await gauge(), 1);
      stream.close();
      await until('the stream to be dropped', async () => (await gauge()) === 0);
      await alice.post(`/v1/tasks/${taskId}/cancel`);
    } finally {
      await lock.release();
    }
  });

  it('notifies once for a task an operator terminated, and lists only unread notifications until read', async () => {
    const lock = await lockContacts();
    let taskId: string;
    try {
      taskId = (await alice.post('/v1/exports', { newsletterId })).body.taskId;
      await sys.temporal.workflow.getHandle(taskId).terminate('operator test');
    } finally {
      await lock.release();
    }
    for (let i = 0; i < 2; i++) {
      const task = (await alice.get(`/v1/tasks/${taskId}`)).body;
      assert.equal(task.status, 'TERMINATED');
      assert.equal(task.error.message, 'the task was stopped by an operator');
    }
    const mine = (await alice.get('/v1/notifications')).body.items.filter((n: any) => n.taskId === taskId);
    assert.deepEqual(
      mine.map((n: any) => [n.kind, n.message]),
      [['export', 'Your export task was stopped by an operator.']],
    );
    assert.deepEqual(mine[0].outcome, { status: 'TERMINATED', errorCode: 'terminated' });

    const all = (await alice.get('/v1/notifications')).body.items;
    assert.ok(all.every((n: any) => /^ntf_/.test(n.id) && n.createdAt && n.message));
    const read = await alice.post(`/v1/notifications/${mine[0].id}/read`);
    assert.equal(read.status, 204);
    assert.equal(read.text, '');
    assert.ok(!(await alice.get('/v1/notifications')).body.items.some((n: any) => n.id === mine[0].id));
    assert.equal((await alice.post(`/v1/notifications/${mine[0].id}/read`)).status, 204, 'reading twice is fine');
    assert.equal((await alice.post('/v1/notifications/ntf_unknown/read')).status, 404);
    assert.equal((await alice.post('/v1/notifications/not-an-id/read')).status, 400);
  });
});
