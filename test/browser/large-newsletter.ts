import { sql, type Kysely } from 'kysely';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { now, type DatabaseSchema } from '../../src/db/schema';

/**
 * A newsletter of `rows` deliveries to contacts made for it, unsubscribed so that no send reaches them:
 * an export long enough to watch. Written by two INSERT … SELECT over a counter (SQLite), seconds for
 * hundreds of thousands of rows where row-by-row inserts would take minutes.
 */
export async function createLargeNewsletter(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  subject: string,
  rows: number,
): Promise<number> {
  const newsletter = await createNewsletter(db, { tenantId, subject, html: '<p>Hi</p>' });
  const at = now();
  const prefix = `large-${newsletter.id}-`;
  await sql`
    insert into contacts (tenant_id, email, first_name, last_name, unsubscribed, created_at, updated_at)
    with recursive counter(i) as (select 1 union all select i + 1 from counter where i < ${rows})
    select ${tenantId}, ${prefix} || i || '@example.com', 'Large', 'Export', 1, ${at}, ${at} from counter
  `.execute(db);
  await sql`
    insert into deliveries (newsletter_id, contact_id, status, message_id, attempts, last_error, sent_at, opens,
      clicks, first_opened_at, first_clicked_at, bounced, unsubscribed, updated_at)
    select ${newsletter.id}, id, 'sent', null, 1, null, ${at}, 0, 0, null, null, 0, 1, ${at}
    from contacts where tenant_id = ${tenantId} and email like ${`${prefix}%`}
  `.execute(db);
  return newsletter.id;
}
