import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema';

/** One newsletter's figures over a period: the deliveries sent in it and what became of them. */
export interface NewsletterDayFigures {
  newsletterId: number;
  subject: string;
  sent: number;
  opened: number;
  clicked: number;
  bounced: number;
  unsubscribed: number;
}

/** A page of tenants that sent at least one email in [from, to), in id order. */
export async function tenantsThatSent(
  db: Kysely<DatabaseSchema>,
  period: { from: string; to: string },
  page: { afterTenantId: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('newsletters as n', 'n.id', 'd.newsletter_id')
    .select('n.tenant_id')
    .distinct()
    .where('d.sent_at', '>=', period.from)
    .where('d.sent_at', '<', period.to)
    .where('n.tenant_id', '>', page.afterTenantId)
    .orderBy('n.tenant_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => row.tenant_id);
}

/** Per newsletter of the tenant, the deliveries sent in [from, to); busiest first. */
export async function tenantSendFigures(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  period: { from: string; to: string },
): Promise<NewsletterDayFigures[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('newsletters as n', 'n.id', 'd.newsletter_id')
    .select(['n.id', 'n.subject'])
    .select((eb) => [
      eb.fn.countAll<number>().as('sent'),
      eb.fn.sum<number>(eb.case().when('d.opens', '>', 0).then(1).else(0).end()).as('opened'),
      eb.fn.sum<number>(eb.case().when('d.clicks', '>', 0).then(1).else(0).end()).as('clicked'),
      eb.fn.sum<number>('d.bounced').as('bounced'),
      eb.fn.sum<number>('d.unsubscribed').as('unsubscribed'),
    ])
    .where('n.tenant_id', '=', tenantId)
    .where('d.sent_at', '>=', period.from)
    .where('d.sent_at', '<', period.to)
    .groupBy(['n.id', 'n.subject'])
    .orderBy('sent', 'desc')
    .orderBy('n.id')
    .execute();
  // PostgreSQL returns sums as numeric strings.
  return rows.map((row) => ({
    newsletterId: row.id,
    subject: row.subject,
    sent: Number(row.sent),
    opened: Number(row.opened ?? 0),
    clicked: Number(row.clicked ?? 0),
    bounced: Number(row.bounced ?? 0),
    unsubscribed: Number(row.unsubscribed ?? 0),
  }));
}

/** The tenant's users, in id order, from after `afterUserId`. */
export async function tenantUsers(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  page: { afterUserId: string; limit: number },
): Promise<Array<{ id: string; email: string }>> {
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('tenant_id', '=', tenantId)
    .where('id', '>', page.afterUserId)
    .orderBy('id')
    .limit(page.limit)
    .execute();
}
