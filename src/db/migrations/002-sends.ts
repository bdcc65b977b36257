import type { Kysely, Migration } from 'kysely';

/** The shared email rate limiter's clock: one row per limited stream, the next free slot in ms. */
export function sendsSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('next_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      // Deliveries sent again because a crash left their fate unknown (same Message-ID each time).
      await db.schema
        .alterTable('deliveries')
        .addColumn('resends', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The send walks pending deliveries of one newsletter in contact order.
      await db.schema
        .createIndex('deliveries_status')
        .on('deliveries')
        .columns(['newsletter_id', 'status', 'contact_id'])
        .execute();
    },
  };
}
