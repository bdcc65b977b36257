import type { Kysely } from 'kysely';
import type { Selectable } from 'kysely';
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

/** Newest first, keyset-paginated on id. `recipients`: delivery rows, or subscribed contacts for a draft. */
export async function listNewsletters(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  page: { limit: number; beforeId?: number },
): Promise<{ items: NewsletterSummary[]; next?: number }> {
  let query = db
    .selectFrom('newsletters as n')
    .select(['n.id', 'n.subject', 'n.status', 'n.created_at'])
    .select((eb) =>
      eb
        .case()
        .when('n.status', '=', 'draft')
        .then(
          eb
            .selectFrom('contacts as c')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('c.tenant_id', '=', 'n.tenant_id')
            .where('c.unsubscribed', '=', 0),
        )
        .else(
          eb
            .selectFrom('deliveries as d')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('d.newsletter_id', '=', 'n.id'),
        )
        .end()
        .as('recipients'),
    )
    .where('n.tenant_id', '=', tenantId)
    .orderBy('n.id', 'desc')
    .limit(page.limit + 1);
  if (page.beforeId !== undefined) query = query.where('n.id', '<', page.beforeId);
  const rows = await query.execute();
  const items = rows.slice(0, page.limit).map((row) => ({
    id: row.id,
    subject: row.subject,
    status: row.status,
    recipients: Number(row.recipients ?? 0),
    createdAt: row.created_at,
  }));
  return rows.length > page.limit ? { items, next: items[items.length - 1]!.id } : { items };
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
