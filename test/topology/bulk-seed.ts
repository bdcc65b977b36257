import { sql, type Kysely } from 'kysely';
import { ensureTenant } from '../../src/db/queries/tenants';
import type { DatabaseSchema } from '../../src/db/schema';

const AT = '2026-01-01T00:00:00.000Z';

/**
 * A sent newsletter with `rows` deliveries, made by PostgreSQL itself (generate_series): seconds where the
 * demo seed takes minutes at 500,000 rows. Contacts `bulk<i>@example.com`, every statistic column filled.
 */
export async function seedBulkNewsletter(db: Kysely<DatabaseSchema>, tenantId: string, rows: number): Promise<number> {
  await ensureTenant(db, tenantId);
  const { id } = await db
    .insertInto('newsletters')
    .values({
      tenant_id: tenantId,
      subject: 'Bulk statistics',
      from_address: null,
      html: '<p>Hello {{first_name}}</p>',
      text: null,
      status: 'sent',
      created_at: AT,
      sent_at: AT,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`
    insert into contacts (tenant_id, email, first_name, last_name, unsubscribed, created_at, updated_at)
    select ${tenantId}, 'bulk' || i || '@example.com', 'First' || (i % 97), 'Last, "' || (i % 89) || '"',
           (i % 31 = 0)::int, ${AT}, ${AT}
      from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`
    insert into deliveries (newsletter_id, contact_id, status, message_id, attempts, last_error, sent_at, opens,
                            clicks, first_opened_at, first_clicked_at, bounced, unsubscribed, updated_at)
    select ${id}, c.id, 'sent', '<bulk-' || c.id || '@mailroom.local>', 1, null, ${AT}, c.id % 5, c.id % 3,
           case when c.id % 5 > 0 then ${AT} end, case when c.id % 3 > 0 then ${AT} end, 0, c.unsubscribed, ${AT}
      from contacts c where c.tenant_id = ${tenantId}`.execute(db);
  await sql`analyze contacts`.execute(db);
  await sql`analyze deliveries`.execute(db);
  return id;
}
