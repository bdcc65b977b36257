import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { recordTask } from '../src/db/queries/tasks';
import { now } from '../src/db/schema';
import { TaskKindKey, TenantIdKey, UserIdKey } from '../src/shared/contracts';
import { exportNewsletterStats } from '../src/workflows';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { startTestSystem, type TestSystem } from './support/system';
import { waitUntil } from './support/wait';

/**
 * A task whose workflow runs out of time reads TIMED_OUT through the API and leaves exactly one
 * notification for its owner, however often it is read. The API starts tasks without an execution
 * timeout, so the test starts the export as the API does (ownership row first, same search attributes)
 * but with a 2-second `workflowExecutionTimeout`, and no worker: nothing runs it, so it times out.
 * Workflow ids carry a random part, so the two database variants never share one.
 */
for (const dialect of DIALECTS) {
  describe(`a task that timed out, on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let taskId: string;
    const notificationsOf = async (client: ReturnType<typeof apiClient>) => {
      const response = await client.get('/v1/notifications');
      assert.equal(response.status, 200, response.text);
      return (response.body.items as { taskId: string; kind: string; message: string }[]).filter(
        (n) => n.taskId === taskId,
      );
    };

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      const aliceUser = await sys.user('acme', 'alice@acme.test');
      alice = apiClient(sys.url, aliceUser.apiKey);
      bob = apiClient(sys.url, (await sys.user('acme', 'bob@acme.test')).apiKey);
      const { id: newsletterId } = await createNewsletter(sys.db.database.db, {
        tenantId: 'acme',
        subject: 'Slow news',
        html: '<p>hi</p>',
      });
      taskId = `export-acme-${newsletterId}-timeout-${crypto.randomBytes(6).toString('hex')}`;
      await recordTask(sys.db.database.db, {
        id: taskId,
        tenant_id: 'acme',
        user_id: aliceUser.userId,
        kind: 'export',
        idempotency_key: null,
        request_hash: null,
        created_at: now(),
      });
      await sys.temporal.workflow.start(exportNewsletterStats, {
        taskQueue: sys.settings.taskQueue,
        workflowId: taskId,
        args: [{ tenantId: 'acme', userId: aliceUser.userId, newsletterId, linkTtlMs: 60_000 }],
        workflowExecutionTimeout: '2s',
        typedSearchAttributes: [
          { key: TenantIdKey, value: 'acme' },
          { key: UserIdKey, value: aliceUser.userId },
          { key: TaskKindKey, value: 'export' },
        ],
        staticSummary: 'Export that cannot finish in time (test)',
      });
    });
    after(async () => sys?.stop());

    it('reads RUNNING, then TIMED_OUT with the reason, through GET /v1/tasks/{id}', async () => {
      const first = await alice.get(`/v1/tasks/${taskId}`);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.status, 'RUNNING');
      assert.deepEqual(await notificationsOf(alice), [], 'no notification while it runs');

      const task = await waitUntil(
        'the task to time out',
        async () => {
          const response = await alice.get(`/v1/tasks/${taskId}`);
          return response.body.status !== 'RUNNING' && response.body;
        },
        30_000,
      );
      assert.equal(task.status, 'TIMED_OUT', JSON.stringify(task));
      assert.deepEqual(task.error, { code: 'timed_out', message: 'the task ran out of time before it could finish' });
      assert.ok(task.closedAt, 'a closed task says when it closed');
      assert.equal(task.result, undefined);
    });

    it('leaves exactly one notification for its owner, however often the task is read', async () => {
      for (let i = 0; i < 2; i++) assert.equal((await alice.get(`/v1/tasks/${taskId}`)).body.status, 'TIMED_OUT');
      const listed = await alice.get('/v1/tasks?kind=export');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        listed.body.items.map((t: any) => [t.taskId, t.status]),
        [[taskId, 'TIMED_OUT']],
      );

      assert.deepEqual(
        (await notificationsOf(alice)).map((n) => [n.kind, n.message]),
        [['export', 'Your export task ran out of time before it could finish.']],
      );
      const rows = await sys.db.database.db
        .selectFrom('notifications')
        .select(['user_id'])
        .where('task_id', '=', taskId)
        .execute();
      assert.equal(rows.length, 1, 'one row in the notifications table');
      assert.deepEqual(await notificationsOf(bob), [], 'nothing for another user of the tenant');
      assert.equal((await bob.get(`/v1/tasks/${taskId}`)).status, 404);
    });
  });
}
