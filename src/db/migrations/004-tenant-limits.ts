import type { Kysely, Migration } from 'kysely';

/**
 * Per-tenant overrides of the limits in settings (NULL: the default), and when each task closed, so the
 * running + queued tasks of a tenant can be counted in the database before a start; the weight of each
 * sending tenant's share of the email rate.
 */
export function tenantLimitsSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenant_limits')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
        .addColumn('fairness_weight', 'real')
        .addColumn('exports', 'integer')
        .addColumn('sends', 'integer')
        .addColumn('imports', 'integer')
        .addColumn('schedules', 'integer')
        .addColumn('min_schedule_interval_ms', 'bigint')
        .addColumn('export_bytes', 'bigint')
        .addColumn('event_streams', 'integer')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('tasks').addColumn('closed_at', 'text').execute();
      // How the task ended (JSON of TaskOutcome): a finished task is read from here, Temporal or not.
      await db.schema.alterTable('tasks').addColumn('outcome', 'text').execute();
      // A sending tenant's weight in the shared email rate (rows keyed `email:<tenant>`).
      await db.schema.alterTable('rate_limits').addColumn('weight', 'real').execute();
      // Notifications name their export; the signed link is minted when read, never stored.
      await db.schema.alterTable('notifications').addColumn('export_id', 'text').execute();
      await db.schema.createIndex('tasks_open').on('tasks').columns(['tenant_id', 'kind', 'closed_at']).execute();
    },
  };
}
