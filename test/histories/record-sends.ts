/**
 * Records sendNewsletter histories for test/replay.test.ts (see record.ts for when to run it):
 *   MAILROOM_HISTORY_SET=v2 TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx test/histories/record-sends.ts
 */
import { createNewsletter } from '../../src/db/queries/newsletters';
import { pauseSignal, progressQuery, resumeSignal, type SendNewsletterInput } from '../../src/shared/contracts';
import { createAudience } from '../support/contacts';
import { sendNewsletter } from '../../src/workflows';
import { startTestSystem } from '../support/system';
import { sleep, waitUntil } from '../support/wait';
import { historySetDir, saveHistory } from './save-history';

async function main() {
  historySetDir(); // refuses before any work when no new set is named
  const sys = await startTestSystem({ dialect: 'sqlite', env: { MAILROOM_EMAIL_RATE: '50' } });
  try {
    await createAudience(sys.db.database.db, 'hist', { subscribed: 120, unsubscribed: 5 });
    const { userId } = await sys.user('hist', 'history@hist.test');
    const start = async (name: string, batchesPerRun?: number) => {
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: 'hist',
        subject: name,
        html: '<p>Hi {{first_name}}</p>',
      });
      const input: SendNewsletterInput = {
        tenantId: 'hist',
        userId,
        newsletterId: newsletter.id,
        batchSize: 20,
        concurrency: 2,
        ...(batchesPerRun ? { batchesPerRun } : {}),
      };
      return sys.temporal.workflow.start(sendNewsletter, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `history-${name}-${sys.settings.taskQueue}`,
        args: [input],
      });
    };
    const untilSent = async (handle: Awaited<ReturnType<typeof start>>, done: number) => {
      await waitUntil(`${done} sent`, async () => (await handle.query(progressQuery)).done >= done, { intervalMs: 50 });
    };

    await saveHistory(await start('send-completed'), 'send-completed', sys.settings.temporalAddress);

    const paused = await start('send-paused-resumed');
    await untilSent(paused, 20);
    await paused.signal(pauseSignal);
    await sleep(2_000);
    await paused.signal(resumeSignal);
    await saveHistory(paused, 'send-paused-resumed', sys.settings.temporalAddress);

    // Two batches per run: the first run's history ends in a continue-as-new carrying the state.
    const continued = await start('send-continued-as-new', 2);
    await saveHistory(continued, 'send-continued-as-new', sys.settings.temporalAddress, continued.firstExecutionRunId);

    const cancelled = await start('send-cancelled');
    await untilSent(cancelled, 20);
    await cancelled.cancel();
    await saveHistory(cancelled, 'send-cancelled', sys.settings.temporalAddress);
  } finally {
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
