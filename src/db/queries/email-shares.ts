import { sql } from 'kysely';
import type { Database } from '../schema';

/** Stream rows of the campaign email rate, one per sending tenant. */
const PREFIX = 'email:';
/** A tenant counts as sending while its stream has reservations ending less than this long ago. */
const ACTIVE_MS = 1_000;

export interface EmailWindow {
  /** When the first slot of the window starts (ms since the epoch). */
  startMs: number;
  /** Slots in the window, one message each. */
  slots: number;
  /** Time between two slots at the tenant's share of the rate. */
  intervalMs: number;
}

/**
 * Reserves the next `windowMs` of the tenant's share of the campaign email rate: `ratePerSecond` split
 * among the tenants sending now, in proportion to their weights (alone, a tenant gets all of it). Each
 * window is short, so a tenant that starts sending gets its share from the others' next window on, not
 * after their reservations. One transaction; every worker sharing the database shares the rate.
 */
export async function reserveEmailWindow(
  database: Database,
  tenantId: string,
  weight: number,
  ratePerSecond: number,
  windowMs: number,
): Promise<EmailWindow> {
  const key = `${PREFIX}${tenantId}`;
  return database.db.transaction().execute(async (trx) => {
    const now = Date.now();
    await trx
      .insertInto('rate_limits')
      .values({ key, next_at_ms: now, weight })
      .onConflict((oc) => oc.column('key').doUpdateSet({ weight }))
      .execute();
    const row = await trx
      .selectFrom('rate_limits')
      .select((eb) => eb.fn.sum<number>('weight').as('total'))
      .where('key', 'like', `${PREFIX}%`)
      .where((eb) => eb.or([eb('next_at_ms', '>', now - ACTIVE_MS), eb('key', '=', key)]))
      .executeTakeFirstOrThrow();
    const share = (ratePerSecond * weight) / Math.max(weight, Number(row.total));
    const slots = Math.max(1, Math.floor((share * windowMs) / 1000));
    const intervalMs = 1000 / share;
    const span = Math.round(slots * intervalMs);
    const later =
      database.dialect === 'postgres'
        ? sql<number>`greatest(next_at_ms, ${now})`
        : sql<number>`max(next_at_ms, ${now})`;
    const reserved = await trx
      .updateTable('rate_limits')
      .set({ next_at_ms: sql`${later} + ${span}` })
      .where('key', '=', key)
      .returning('next_at_ms')
      .executeTakeFirstOrThrow();
    return { startMs: Number(reserved.next_at_ms) - span, slots, intervalMs };
  });
}
