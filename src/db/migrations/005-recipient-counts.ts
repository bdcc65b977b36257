import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../schema';

/** The counters this migration keeps; read with `db.withTables<RecipientCountTables>()`. */
// A type, not an interface: withTables wants an index signature.
export type RecipientCountTables = {
  /** Per tenant: its contacts with `unsubscribed = 0`, what a draft would be sent to. */
  tenant_contact_counts: { tenant_id: string; subscribed: number };
  /** Per newsletter: its delivery rows. */
  newsletter_delivery_counts: { newsletter_id: number; deliveries: number };
};

/**
 * Recipient counters kept by the database itself, so the newsletter listing never counts contacts or
 * deliveries per row (a COUNT over a tenant's 2M contacts holds SQLite, hence the event loop, for far
 * longer than a request may). Triggers catch every writer: imports (upsert), the unsubscribe link, the
 * seed, createDeliveryPage, tests that insert rows by hand. SQLite triggers are per row; PostgreSQL's
 * are per statement over transition tables, one counter write per statement and tenant or newsletter,
 * and none when a statement changes no subscription (an import updating names only).
 */
export function recipientCountsSchema(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenant_contact_counts')
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('subscribed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('newsletter_delivery_counts')
        .ifNotExists()
        .addColumn('newsletter_id', 'integer', (c) => c.primaryKey())
        .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      for (const statement of dialect === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS) {
        await sql.raw(statement).execute(db);
      }

      // After the triggers, and overwriting: a write that lands before this statement is in its count
      // (its trigger's increment is replaced), one after it is added by its trigger.
      await sql`
        insert into tenant_contact_counts (tenant_id, subscribed)
        select tenant_id, count(*) from contacts where unsubscribed = 0 group by tenant_id
        on conflict (tenant_id) do update set subscribed = excluded.subscribed`.execute(db);
      await sql`
        insert into newsletter_delivery_counts (newsletter_id, deliveries)
        select newsletter_id, count(*) from deliveries group by newsletter_id
        on conflict (newsletter_id) do update set deliveries = excluded.deliveries`.execute(db);
    },
  };
}

const SQLITE_TRIGGERS = [
  `create trigger if not exists contacts_count_insert after insert on contacts
   when new.unsubscribed = 0
   begin
     insert into tenant_contact_counts (tenant_id, subscribed) values (new.tenant_id, 1)
     on conflict (tenant_id) do update set subscribed = subscribed + 1;
   end`,
  `create trigger if not exists contacts_count_update after update of unsubscribed, tenant_id on contacts
   when (old.unsubscribed = 0) <> (new.unsubscribed = 0) or old.tenant_id <> new.tenant_id
   begin
     update tenant_contact_counts set subscribed = subscribed - 1
     where tenant_id = old.tenant_id and old.unsubscribed = 0;
     insert into tenant_contact_counts (tenant_id, subscribed) select new.tenant_id, 1 where new.unsubscribed = 0
     on conflict (tenant_id) do update set subscribed = subscribed + 1;
   end`,
  `create trigger if not exists contacts_count_delete after delete on contacts
   when old.unsubscribed = 0
   begin
     update tenant_contact_counts set subscribed = subscribed - 1 where tenant_id = old.tenant_id;
   end`,
  `create trigger if not exists deliveries_count_insert after insert on deliveries
   begin
     insert into newsletter_delivery_counts (newsletter_id, deliveries) values (new.newsletter_id, 1)
     on conflict (newsletter_id) do update set deliveries = deliveries + 1;
   end`,
  `create trigger if not exists deliveries_count_delete after delete on deliveries
   begin
     update newsletter_delivery_counts set deliveries = deliveries - 1 where newsletter_id = old.newsletter_id;
   end`,
];

/** Adds per-tenant deltas (a query of tenant_id, delta) to tenant_contact_counts, skipping zeros. */
const addContactDeltas = (deltas: string) => `
  insert into tenant_contact_counts as c (tenant_id, subscribed)
  select tenant_id, sum(delta) from (${deltas}) d group by tenant_id having sum(delta) <> 0
  on conflict (tenant_id) do update set subscribed = c.subscribed + excluded.subscribed;`;

const addDeliveryDeltas = (deltas: string) => `
  insert into newsletter_delivery_counts as c (newsletter_id, deliveries)
  select newsletter_id, sum(delta) from (${deltas}) d group by newsletter_id having sum(delta) <> 0
  on conflict (newsletter_id) do update set deliveries = c.deliveries + excluded.deliveries;`;

const plpgsql = (name: string, body: string) => `
  create or replace function ${name}() returns trigger language plpgsql as $$
  begin
    ${body}
    return null;
  end $$`;

const POSTGRES_TRIGGERS = [
  plpgsql(
    'mailroom_contacts_count_insert',
    addContactDeltas('select tenant_id, 1 as delta from inserted where unsubscribed = 0'),
  ),
  plpgsql(
    'mailroom_contacts_count_update',
    addContactDeltas(
      'select tenant_id, 1 as delta from updated_new where unsubscribed = 0 ' +
        'union all select tenant_id, -1 from updated_old where unsubscribed = 0',
    ),
  ),
  plpgsql(
    'mailroom_contacts_count_delete',
    addContactDeltas('select tenant_id, -1 as delta from deleted where unsubscribed = 0'),
  ),
  plpgsql('mailroom_deliveries_count_insert', addDeliveryDeltas('select newsletter_id, 1 as delta from inserted')),
  plpgsql('mailroom_deliveries_count_delete', addDeliveryDeltas('select newsletter_id, -1 as delta from deleted')),
  `drop trigger if exists contacts_count_insert on contacts`,
  `create trigger contacts_count_insert after insert on contacts
   referencing new table as inserted for each statement execute function mailroom_contacts_count_insert()`,
  `drop trigger if exists contacts_count_update on contacts`,
  `create trigger contacts_count_update after update on contacts
   referencing old table as updated_old new table as updated_new
   for each statement execute function mailroom_contacts_count_update()`,
  `drop trigger if exists contacts_count_delete on contacts`,
  `create trigger contacts_count_delete after delete on contacts
   referencing old table as deleted for each statement execute function mailroom_contacts_count_delete()`,
  `drop trigger if exists deliveries_count_insert on deliveries`,
  `create trigger deliveries_count_insert after insert on deliveries
   referencing new table as inserted for each statement execute function mailroom_deliveries_count_insert()`,
  `drop trigger if exists deliveries_count_delete on deliveries`,
  `create trigger deliveries_count_delete after delete on deliveries
   referencing old table as deleted for each statement execute function mailroom_deliveries_count_delete()`,
];
