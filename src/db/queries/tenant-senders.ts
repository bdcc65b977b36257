import type { Kysely } from 'kysely';
import type { TenantSenderTables } from '../migrations/006-tenant-senders';
import { now, type DatabaseSchema } from '../schema';

const senders = (db: Kysely<DatabaseSchema>) => db.withTables<TenantSenderTables>();

/** Verifies a sender (normalised: `news@acme.test` or `@acme.test`) for the tenant; says whether it was new. */
export async function addTenantSender(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  sender: string,
): Promise<'added' | 'exists'> {
  const inserted = await senders(db)
    .insertInto('tenant_senders')
    .values({ tenant_id: tenantId, sender, created_at: now() })
    .onConflict((oc) => oc.columns(['tenant_id', 'sender']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? 'added' : 'exists';
}

/** Withdraws a sender; says whether it was there. Drafts that name it can no longer be sent. */
export async function removeTenantSender(db: Kysely<DatabaseSchema>, tenantId: string, sender: string) {
  const deleted = await senders(db)
    .deleteFrom('tenant_senders')
    .where('tenant_id', '=', tenantId)
    .where('sender', '=', sender)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** The tenant's verified senders, in order. */
export async function listTenantSenders(db: Kysely<DatabaseSchema>, tenantId: string): Promise<string[]> {
  const rows = await senders(db)
    .selectFrom('tenant_senders')
    .select('sender')
    .where('tenant_id', '=', tenantId)
    .orderBy('sender')
    .execute();
  return rows.map((row) => row.sender);
}

/**
 * Whether the tenant may send from this address (its domain lowercased, see `parseMailbox`): verified
 * itself, or at a verified `@domain` (that domain exactly, never its subdomains).
 */
export async function isVerifiedAddress(db: Kysely<DatabaseSchema>, tenantId: string, address: string) {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const row = await senders(db)
    .selectFrom('tenant_senders')
    .select('sender')
    .where('tenant_id', '=', tenantId)
    .where('sender', 'in', [address, address.slice(at)])
    .executeTakeFirst();
  return row !== undefined;
}
