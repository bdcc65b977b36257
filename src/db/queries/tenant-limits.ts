import type { Kysely } from 'kysely';
import { now, type DatabaseSchema, type TenantLimitsTable } from '../schema';

export type TenantLimitOverrides = Partial<Omit<TenantLimitsTable, 'tenant_id' | 'updated_at'>>;

/** The tenant's own limits, or undefined when it has none (every limit is then the default). */
export async function findTenantLimits(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
): Promise<TenantLimitsTable | undefined> {
  return db.selectFrom('tenant_limits').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/** Sets the given overrides (a `null` goes back to the default) and keeps the others; repeatable. */
export async function setTenantLimits(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  overrides: TenantLimitOverrides,
): Promise<void> {
  const updated_at = now();
  await db
    .insertInto('tenant_limits')
    .values({
      tenant_id: tenantId,
      fairness_weight: null,
      exports: null,
      sends: null,
      imports: null,
      schedules: null,
      min_schedule_interval_ms: null,
      export_bytes: null,
      event_streams: null,
      ...overrides,
      updated_at,
    })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...overrides, updated_at }))
    .execute();
}

/** Bytes of the tenant's export files whose links still live, and when the first of them expires. */
export async function storedExportBytes(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
): Promise<{ bytes: number; nextExpiry?: string }> {
  const row = await db
    .selectFrom('exports')
    .select((eb) => [eb.fn.sum<number>('bytes').as('bytes'), eb.fn.min<string>('expires_at').as('next_expiry')])
    .where('tenant_id', '=', tenantId)
    .where('expires_at', '>', now())
    .executeTakeFirst();
  return { bytes: Number(row?.bytes ?? 0), nextExpiry: row?.next_expiry ?? undefined };
}
