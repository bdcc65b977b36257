import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/**
 * GET /v1/tasks answers from mailroom's own records and never waits for Temporal (its p99 under a noisy
 * neighbour is a bench figure); what only Temporal knows (an operator's terminate) reaches the listing
 * through its background reads.
 */
for (const dialect of DIALECTS) {
  describe(`the task listing, on ${dialect}`, () => {
    const tenant = `listing-${dialect}`;
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;
    let newsletterId: number;

    before(async () => {
      // No worker: the tasks stay queued, open by mailroom's record and in Temporal.
      sys = await startTestSystem({ dialect, worker: false });
      const { apiKey } = await sys.user(tenant, `owner@${tenant}.test`);
      client = apiClient(sys.url, apiKey);
      newsletterId = (
        await createNewsletter(sys.db.database.db, { tenantId: tenant, subject: 'Listed', html: '<p>x</p>' })
      ).id;
    });
    after(async () => {
      await sys?.stop();
    });

    it('lists open tasks as RUNNING from its records, and an operator-terminated one as TERMINATED once read', async () => {
      const kept = (await client.post('/v1/exports', { newsletterId })).body.taskId as string;
      const stopped = (await client.post('/v1/exports', { newsletterId })).body.taskId as string;
      const statuses = async () =>
        new Map(
          ((await client.get('/v1/tasks?kind=export')).body.items as Array<{ taskId: string; status: string }>).map(
            (t) => [t.taskId, t.status],
          ),
        );
      assert.deepEqual(
        [...(await statuses())].sort(),
        [
          [kept, 'RUNNING'],
          [stopped, 'RUNNING'],
        ].sort(),
      );

      // Nobody reads the task on its own: only the listing's background reads can notice.
      await sys.temporal.workflow.getHandle(stopped).terminate('operator test');
      await waitUntil('the listing to show the terminated task', async () => {
        const now = await statuses();
        return now.get(stopped) === 'TERMINATED' && now;
      }).then((now) => assert.equal(now.get(kept), 'RUNNING'));

      const notices = (await client.get('/v1/notifications')).body.items.filter(
        (n: { taskId: string }) => n.taskId === stopped,
      );
      assert.equal(notices.length, 1, 'one notification, as when the task is read on its own');
    });
  });
}
