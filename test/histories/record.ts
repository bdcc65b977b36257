/**
 * Records the exportNewsletterStats histories that test/replay.test.ts replays, into a new set: run it
 * (and the other record*.ts) after a deliberate, versioned change of a workflow, never to silence a
 * failing replay, and never over an existing set (see README.md here):
 *   MAILROOM_HISTORY_SET=v2 TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx test/histories/record.ts
 */
import type { WorkflowHandle } from '@temporalio/client';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { progressQuery } from '../../src/shared/contracts';
import { exportNewsletterStats } from '../../src/workflows';
import { startTestSystem } from '../support/system';
import { waitUntil } from '../support/wait';
import { historySetDir, saveHistory } from './save-history';

async function main() {
  historySetDir(); // refuses before any work when no new set is named
  const sys = await startTestSystem({ dialect: 'sqlite' });
  try {
    const newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 3_000 }))!.newsletters.headline;
    const { userId } = await sys.user(DEMO_TENANT, 'history@demo.test');
    const start = (name: string, input: object) =>
      sys.temporal.workflow.start(exportNewsletterStats, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `history-${name}-${sys.settings.taskQueue}`,
        args: [{ tenantId: DEMO_TENANT, userId, newsletterId, linkTtlMs: 60_000, chunkRows: 1_000, ...input }],
      });
    const save = (name: string, handle: WorkflowHandle) => saveHistory(handle, name, sys.settings.temporalAddress);

    await save('export-completed', await start('export-completed', {}));
    await save('export-failed', await start('export-failed', { newsletterId: 999_999 }));
    const cancelled = await start('export-cancelled', { chunkRows: 50 });
    await waitUntil('100 rows written', async () => (await cancelled.query(progressQuery)).done >= 100, {
      intervalMs: 20,
    });
    await cancelled.cancel();
    await save('export-cancelled', cancelled);
  } finally {
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
