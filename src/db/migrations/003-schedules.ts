import type { Kysely, Migration } from 'kysely';

/**
 * User schedules: who owns each Temporal schedule (Temporal holds its state: paused, next runs) and the
 * recurrence as the user wrote it, since Temporal only gives back the compiled calendar.
 */
export function schedulesSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('action_type', 'text', (c) => c.notNull())
        .addColumn('newsletter_id', 'integer', (c) => c.notNull())
        .addColumn('cron', 'text')
        .addColumn('every', 'text')
        .addColumn('timezone', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('schedules_owner')
        .on('schedules')
        .columns(['tenant_id', 'user_id', 'created_at'])
        .execute();
      // The daily digest reads one day of deliveries by send time.
      await db.schema.createIndex('deliveries_sent_at').on('deliveries').column('sent_at').execute();
    },
  };
}
