import type { Kysely } from 'kysely';
import { ensureTenant } from '../../src/db/queries/tenants';
import { now, type DatabaseSchema } from '../../src/db/schema';

export interface AudienceSpec {
  subscribed: number;
  unsubscribed?: number;
  /** Extra subscribed contacts with these exact addresses. */
  extra?: string[];
}

/** Contacts of a tenant for a send: `person<i>@<tenant>.test`, plus unsubscribed ones that must get nothing. */
export async function createAudience(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  spec: AudienceSpec,
): Promise<{ subscribed: string[]; unsubscribed: string[] }> {
  await ensureTenant(db, tenantId);
  const at = now();
  const subscribed = [
    ...Array.from({ length: spec.subscribed }, (_, i) => `person${i + 1}@${tenantId}.test`),
    ...(spec.extra ?? []),
  ];
  const unsubscribed = Array.from({ length: spec.unsubscribed ?? 0 }, (_, i) => `gone${i + 1}@${tenantId}.test`);
  const rows = [
    ...subscribed.map((email, i) => ({ email, first: `First${i + 1}`, unsubscribed: 0 })),
    ...unsubscribed.map((email, i) => ({ email, first: `Gone${i + 1}`, unsubscribed: 1 })),
  ];
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('contacts')
      .values(
        rows.slice(i, i + 500).map((r) => ({
          tenant_id: tenantId,
          email: r.email,
          first_name: r.first,
          last_name: 'Tester',
          unsubscribed: r.unsubscribed,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  }
  return { subscribed, unsubscribed };
}
