import type { Kysely } from 'kysely';
import { now, type DatabaseSchema } from '../schema';

/** A contact as an import brings it; a name left undefined keeps the stored one. */
export interface ContactUpsert {
  email: string;
  firstName?: string;
  lastName?: string;
}

/**
 * Creates or updates the tenant's contacts by email (unique per tenant), in one transaction, and says how
 * many were new. The unsubscribed flag is never touched: an import must not resubscribe anyone. A batch
 * must not hold the same email twice (PostgreSQL refuses to update one row twice in a statement).
 */
export async function upsertContacts(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  batch: ContactUpsert[],
): Promise<{ created: number; updated: number }> {
  if (batch.length === 0) return { created: 0, updated: 0 };
  const at = now();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('contacts')
      .select('email')
      .where('tenant_id', '=', tenantId)
      .where(
        'email',
        'in',
        batch.map((c) => c.email),
      )
      .execute();
    // Rows that carry the same name columns share one statement, so each statement updates only those.
    const groups = new Map<string, ContactUpsert[]>();
    for (const contact of batch) {
      const shape = `${contact.firstName !== undefined}${contact.lastName !== undefined}`;
      groups.set(shape, [...(groups.get(shape) ?? []), contact]);
    }
    for (const group of groups.values()) {
      const { firstName, lastName } = group[0]!;
      await trx
        .insertInto('contacts')
        .values(
          group.map((c) => ({
            tenant_id: tenantId,
            email: c.email,
            first_name: c.firstName ?? '',
            last_name: c.lastName ?? '',
            unsubscribed: 0,
            created_at: at,
            updated_at: at,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'email']).doUpdateSet((eb) => ({
            updated_at: eb.ref('excluded.updated_at'),
            ...(firstName !== undefined ? { first_name: eb.ref('excluded.first_name') } : {}),
            ...(lastName !== undefined ? { last_name: eb.ref('excluded.last_name') } : {}),
          })),
        )
        .execute();
    }
    return { created: batch.length - existing.length, updated: existing.length };
  });
}

/** The tenant's contacts by email, for tests and tools; emails are stored lower-cased. */
export async function findContactsByEmail(db: Kysely<DatabaseSchema>, tenantId: string, emails: string[]) {
  if (emails.length === 0) return [];
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('email', 'in', emails)
    .orderBy('email')
    .execute();
}

/** Marks the tenant's contact unsubscribed; repeating it changes nothing. */
export async function unsubscribeContact(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  contactId: number,
): Promise<void> {
  await db
    .updateTable('contacts')
    .set({ unsubscribed: 1, updated_at: now() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', contactId)
    .execute();
}
