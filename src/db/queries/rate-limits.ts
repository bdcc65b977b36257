import { sql } from 'kysely';
import type { Database } from '../schema';

/**
 * Reserves `count` consecutive slots of a stream limited to `perSecond`, shared by every process that
 * uses the database: one atomic UPDATE moves the stream's clock forward, so two workers can never take
 * the same window. Returns when the first slot starts (ms since the epoch); slot i starts i/perSecond later.
 */
export async function reserveSlots(database: Database, key: string, count: number, perSecond: number): Promise<number> {
  const now = Date.now();
  const span = Math.round((count * 1000) / perSecond);
  await database.db
    .insertInto('rate_limits')
    .values({ key, next_at_ms: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const later =
    database.dialect === 'postgres' ? sql<number>`greatest(next_at_ms, ${now})` : sql<number>`max(next_at_ms, ${now})`;
  const row = await database.db
    .updateTable('rate_limits')
    .set({ next_at_ms: sql`${later} + ${span}` })
    .where('key', '=', key)
    .returning('next_at_ms')
    .executeTakeFirstOrThrow();
  return Number(row.next_at_ms) - span;
}
