/**
 * Records an export and a send run whole on the bulk queue (MAILROOM_BULK_WORKERS=separate), for
 * test/replay.test.ts (see record.ts for when to run it):
 *   MAILROOM_HISTORY_SET=v5 TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx test/histories/record-bulk-lane.ts
 */
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { bulkTaskQueue } from '../../src/shared/contracts';
import { exportNewsletterStats, sendNewsletter } from '../../src/workflows';
import { startTestSystem } from '../support/system';
import { historySetDir, saveHistory } from './save-history';

async function main() {
  historySetDir(); // refuses before any work when no new set is named
  const sys = await startTestSystem({
    dialect: 'sqlite',
    env: { MAILROOM_BULK_WORKERS: 'separate', MAILROOM_EMAIL_RATE: '1000' },
  });
  try {
    const { newsletters } = (await seedDemoTenant(sys.db.database, { contacts: 1_500 }))!;
    const { userId } = await sys.user(DEMO_TENANT, 'history@demo.test');
    const owner = { tenantId: DEMO_TENANT, userId };
    const taskQueue = bulkTaskQueue(sys.settings.taskQueue);
    const exported = await sys.temporal.workflow.start(exportNewsletterStats, {
      taskQueue,
      workflowId: `history-export-bulk-lane-${sys.settings.taskQueue}`,
      args: [{ ...owner, newsletterId: newsletters.headline, linkTtlMs: 60_000, chunkRows: 1_000 }],
    });
    await saveHistory(exported, 'export-bulk-lane', sys.settings.temporalAddress);
    const sent = await sys.temporal.workflow.start(sendNewsletter, {
      taskQueue,
      workflowId: `history-send-bulk-lane-${sys.settings.taskQueue}`,
      args: [{ ...owner, newsletterId: newsletters.draft, batchSize: 500, concurrency: 2 }],
    });
    await saveHistory(sent, 'send-bulk-lane', sys.settings.temporalAddress);
  } finally {
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
