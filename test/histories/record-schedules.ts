/**
 * Records the histories of the schedule-driven workflows that test/replay.test.ts replays: a scheduled
 * export (it records its own task), a purge and a digest. Run it only after a deliberate change:
 *   MAILROOM_HISTORY_SET=v2 TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx test/histories/record-schedules.ts
 */
import type { WorkflowHandle } from '@temporalio/client';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { previousLocalDay } from '../../src/schedules/digest-period';
import { dailyDigest, exportNewsletterStats, purgeExpiredExports } from '../../src/workflows';
import { startTestSystem } from '../support/system';
import { historySetDir, saveHistory } from './save-history';

async function main() {
  historySetDir(); // refuses before any work when no new set is named
  const sys = await startTestSystem({ dialect: 'sqlite', env: { LINK_TTL: '1s' } });
  try {
    const { db } = sys.db.database;
    const newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 200 }))!.newsletters.small;
    const { userId } = await sys.user(DEMO_TENANT, 'history@demo.test');
    const save = (name: string, handle: WorkflowHandle) => saveHistory(handle, name, sys.settings.temporalAddress);
    const where = (name: string) => ({
      taskQueue: sys.settings.taskQueue,
      workflowId: `history-${name}-${sys.settings.taskQueue}`,
    });

    await save(
      'export-scheduled',
      await sys.temporal.workflow.start(exportNewsletterStats, {
        ...where('export-scheduled'),
        args: [{ tenantId: DEMO_TENANT, userId, newsletterId, linkTtlMs: 1_000, scheduleId: 'sched-0123456789abcdef' }],
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the export's link expires
    await save(
      'purge-expired-exports',
      await sys.temporal.workflow.start(purgeExpiredExports, { ...where('purge'), args: [{ batchSize: 10 }] }),
    );

    const period = previousLocalDay(new Date(), 'UTC');
    const newsletter = await createNewsletter(db, { tenantId: DEMO_TENANT, subject: 'History', html: '<p>h</p>' });
    const contact = await db
      .selectFrom('contacts')
      .select('id')
      .where('tenant_id', '=', DEMO_TENANT)
      .executeTakeFirstOrThrow();
    const sentAt = new Date(Date.parse(period.from) + 3_600_000).toISOString();
    await db
      .insertInto('deliveries')
      .values({
        newsletter_id: newsletter.id,
        contact_id: contact.id,
        status: 'sent',
        message_id: null,
        attempts: 1,
        last_error: null,
        sent_at: sentAt,
        opens: 1,
        clicks: 0,
        first_opened_at: null,
        first_clicked_at: null,
        bounced: 0,
        unsubscribed: 0,
        updated_at: sentAt,
      })
      .execute();
    await save(
      'daily-digest',
      await sys.temporal.workflow.start(dailyDigest, { ...where('digest'), args: [{ timezone: 'UTC' }] }),
    );
  } finally {
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
