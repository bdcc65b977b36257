import type { Kysely } from 'kysely';
import type { Selectable } from 'kysely';
import type { RecipientCountTables } from '../migrations/005-recipient-counts';
import { now, type DatabaseSchema, type NewsletterTable } from '../schema';

export type Newsletter = Selectable<NewsletterTable>;

export interface NewsletterSummary {
  id: number;
  subject: string;
  status: NewsletterTable['status'];
  recipients: number;
  createdAt: string;
}

/** The tenant's newsletter, or undefined: another tenant's id reads as unknown. */
export async function findNewsletter(db: Kysely<DatabaseSchema>, tenantId: string, id: number) {
  return db
    .selectFrom('newsletters')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Newest first, keyset-paginated on id. `recipients`: subscribed contacts of the tenant for a draft,
 * delivery rows otherwise. Both come from counters the database keeps (migration 005's triggers), read
 * once per page: a COUNT per row, or even one COUNT over a large tenant's contacts, would hold SQLite,
 * and with it the whole event loop, for hundreds of ms.
 */
export async function listNewsletters(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  page: { limit: number; beforeId?: number },
): Promise<{ items: NewsletterSummary[]; next?: number }> {
  let query = db
    .withTables<RecipientCountTables>()
    .selectFrom('newsletters as n')
    .leftJoin('newsletter_delivery_counts as dc', 'dc.newsletter_id', 'n.id')
    .select(['n.id', 'n.subject', 'n.status', 'n.created_at', 'dc.deliveries'])
    .where('n.tenant_id', '=', tenantId)
    .orderBy('n.id', 'desc')
    .limit(page.limit + 1);
  if (page.beforeId !== undefined) query = query.where('n.id', '<', page.beforeId);
  const rows = await query.execute();
  const subscribed = rows.some((row) => row.status === 'draft') ? await subscribedContacts(db, tenantId) : 0;
  const items = rows.slice(0, page.limit).map((row) => ({
    id: row.id,
    subject: row.subject,
    status: row.status,
    recipients: row.status === 'draft' ? subscribed : Number(row.deliveries ?? 0),
    createdAt: row.created_at,
  }));
  return rows.length > page.limit ? { items, next: items[items.length - 1]!.id } : { items };
}

/**
 * A newsletter's delivery rows, the total an export's progress counts towards, from the counter migration
 * 005's triggers keep: one primary-key read, where COUNT(*) over the deliveries took 1.8 s at 5M rows on
 * PostgreSQL before the first row was written. Only progress uses it; the export itself ends on the rows.
 */
export async function deliveryTotal(db: Kysely<DatabaseSchema>, newsletterId: number): Promise<number> {
  const row = await db
    .withTables<RecipientCountTables>()
    .selectFrom('newsletter_delivery_counts')
    .select('deliveries')
    .where('newsletter_id', '=', newsletterId)
    .executeTakeFirst();
  return Number(row?.deliveries ?? 0);
}

/** The tenant's contacts that are not unsubscribed, from the counter the triggers keep. */
export async function subscribedContacts(db: Kysely<DatabaseSchema>, tenantId: string): Promise<number> {
  const row = await db
    .withTables<RecipientCountTables>()
    .selectFrom('tenant_contact_counts')
    .select('subscribed')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Number(row?.subscribed ?? 0);
}

export async function createNewsletter(
  db: Kysely<DatabaseSchema>,
  draft: { tenantId: string; subject: string; html: string; text?: string; from?: string },
): Promise<Newsletter> {
  return db
    .insertInto('newsletters')
    .values({
      tenant_id: draft.tenantId,
      subject: draft.subject,
      html: draft.html,
      text: draft.text ?? null,
      from_address: draft.from ?? null,
      status: 'draft',
      created_at: now(),
      sent_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The tenant's newsletter with this subject, if any (the demo's headline newsletter, for one). */
export async function findNewsletterBySubject(db: Kysely<DatabaseSchema>, tenantId: string, subject: string) {
  return db
    .selectFrom('newsletters')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('subject', '=', subject)
    .executeTakeFirst();
}
