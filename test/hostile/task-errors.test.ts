import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { NewNotification } from '../../src/db/queries/notifications';
import { recordTask } from '../../src/db/queries/tasks';
import { now } from '../../src/db/schema';
import { exportNewsletterStats } from '../../src/workflows';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { withStubbedActivities } from '../support/stub-worker';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Issue 11, item 3: what a failed task shows its owner never carries a server path, SQL, a stack or
 * another tenant's ids. The export workflow runs for real (stubbed activities, so a fault is injected at
 * once and not retried for minutes); the API reads the task as its owner does.
 */
const FAULTS = [
  {
    type: 'Error',
    message:
      "ENOTDIR: not a directory, open '/srv/mailroom/data/exports/rival/5f2b8c1d9e0a4b7c8d6e5f4a3b2c1d0e.csv.part'",
    secrets: ['/srv/mailroom', 'ENOTDIR', 'rival', '.csv.part'],
  },
  {
    type: 'DatabaseError',
    message:
      'insert into "deliveries" ("tenant_id", "contact_id") values ($1, $2) - duplicate key value violates unique constraint "deliveries_pkey" (tenant rival, contact 4411)\n    at Parser.parseErrorMessage (/srv/mailroom/node_modules/pg-protocol/dist/parser.js:283:98)',
    secrets: ['insert into', 'deliveries_pkey', 'rival', 'node_modules', 'parser.js', '    at '],
  },
];

for (const dialect of DIALECTS) {
  describe(`errors shown to users, on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let aliceId: string;

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      const user = await sys.user('acme', 'alice@acme.test');
      aliceId = user.userId;
      alice = apiClient(sys.url, user.apiKey);
    });
    after(async () => sys?.stop());

    for (const fault of FAULTS) {
      it(`a task failed by ${fault.type} reads a reason in words, with its code, and no detail`, async () => {
        const taskId = `export-acme-1-hostile-${crypto.randomBytes(6).toString('hex')}`;
        await recordTask(sys.db.database.db, {
          id: taskId,
          tenant_id: 'acme',
          user_id: aliceId,
          kind: 'export',
          idempotency_key: null,
          request_hash: null,
          created_at: now(),
        });
        const notifications: NewNotification[] = [];
        await withStubbedActivities(
          {
            prepareExport: async () => ({ exportId: 'e1', fileKey: 'acme/e1', subject: 'Hello', total: 5 }),
            writeStatsCsvChunk: async () => {
              throw ApplicationFailure.create({ type: fault.type, message: fault.message, nonRetryable: true });
            },
            discardExport: async () => undefined,
            notifyTaskOwner: async (notification) => void notifications.push(notification),
          },
          async ({ client, taskQueue }) => {
            const handle = await client.workflow.start(exportNewsletterStats, {
              taskQueue,
              workflowId: taskId,
              args: [{ tenantId: 'acme', userId: aliceId, newsletterId: 1, linkTtlMs: 60_000 }],
            });
            await handle.result().catch(() => undefined);
          },
        );

        const task = await alice.get(`/v1/tasks/${taskId}`);
        assert.equal(task.status, 200, task.text);
        assert.equal(task.body.status, 'FAILED');
        assert.equal(task.body.error.code, fault.type, 'the code is kept');
        assert.equal(
          task.body.error.message,
          'an internal error kept it from finishing; please try again later',
          'an unknown cause reads as words',
        );
        for (const secret of fault.secrets) assert.ok(!task.text.includes(secret), `the task shows ${secret}`);

        assert.equal(notifications.length, 1);
        for (const secret of fault.secrets)
          assert.ok(!notifications[0]!.message.includes(secret), `the notification shows ${secret}`);
      });
    }
  });
}
