import { sql } from 'kysely';
import type { Database } from '../schema';

/** The campaign email rate's clock, shared by all tenants; each sending tenant also has `email:<tenant>`. */
const GLOBAL_KEY = 'email';
const TENANT_PREFIX = 'email:';
/** A tenant counts as sending while its clock is less than this far behind now. */
const ACTIVE_MS = 1_000;

export interface EmailWindow {
  /** When the first slot of the window starts (ms since the epoch). */
  startMs: number;
  /** Slots in the window, one message each. */
  slots: number;
  /** Time between two slots of the window. */
  intervalMs: number;
}

/** The tenant is a window ahead of its share already: it asks again at `retryAtMs`. */
export interface EmailWindowLater {
  retryAtMs: number;
}

/**
 * Reserves the tenant's next window of the campaign email rate: about `windowMs` of its share, which is
 * `ratePerSecond` split among the tenants sending now in proportion to their weights (alone, a tenant has
 * all of it). Two clocks: the global one places every window right after the previous one (whoever's),
 * so all tenants together send at the rate and never above it, with no gap left unused; the tenant's own
 * one advances at its share, and a tenant more than `windowMs` ahead of it gets no window until it has
 * fallen back (`retryAtMs`), which leaves the others theirs. Windows are short, so a tenant that starts
 * sending gets its share within about one window of each tenant ahead of it. One transaction, so every
 * worker sharing the database shares the rate.
 */
export async function reserveEmailWindow(
  database: Database,
  tenantId: string,
  weight: number,
  ratePerSecond: number,
  windowMs: number,
  /** The most slots worth reserving: what the caller still has to send. */
  maxSlots: number,
): Promise<EmailWindow | EmailWindowLater> {
  const tenantKey = `${TENANT_PREFIX}${tenantId}`;
  return database.db.transaction().execute(async (trx) => {
    const now = Date.now();
    await trx
      .insertInto('rate_limits')
      .values([
        { key: GLOBAL_KEY, next_at_ms: now, weight: null },
        { key: tenantKey, next_at_ms: now, weight },
      ])
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const own = await trx
      .updateTable('rate_limits')
      .set({ weight })
      .where('key', '=', tenantKey)
      .returning('next_at_ms')
      .executeTakeFirstOrThrow();
    const ownNext = Number(own.next_at_ms);
    if (ownNext > now + windowMs) return { retryAtMs: ownNext - windowMs };
    const sending = await trx
      .selectFrom('rate_limits')
      .select((eb) => eb.fn.sum<number>('weight').as('total'))
      .where('key', 'like', `${TENANT_PREFIX}%`)
      .where((eb) => eb.or([eb('next_at_ms', '>', now - ACTIVE_MS), eb('key', '=', tenantKey)]))
      .executeTakeFirstOrThrow();
    const share = (ratePerSecond * weight) / Math.max(weight, Number(sending.total));
    const slots = Math.max(1, Math.min(maxSlots, Math.floor((share * windowMs) / 1000)));
    const intervalMs = 1000 / ratePerSecond;
    // A tenant idle for a while starts from now: its past share is not saved up.
    await trx
      .updateTable('rate_limits')
      .set({ next_at_ms: Math.round(Math.max(ownNext, now) + (slots * 1000) / share) })
      .where('key', '=', tenantKey)
      .execute();
    // The global clock last, in one statement: its row (PostgreSQL locks it until the commit; SQLite has a
    // single writer) is held for as short a time as it can be, even by a worker the OS runs at low priority.
    const span = Math.round(slots * intervalMs);
    const later = database.dialect === 'postgres' ? sql`greatest` : sql`max`;
    const clock = await trx
      .updateTable('rate_limits')
      .set({ next_at_ms: sql<number>`${later}(next_at_ms, ${now}) + ${span}` })
      .where('key', '=', GLOBAL_KEY)
      .returning('next_at_ms')
      .executeTakeFirstOrThrow();
    const startMs = Number(clock.next_at_ms) - span;
    return { startMs, slots, intervalMs };
  });
}
