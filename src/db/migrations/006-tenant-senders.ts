import type { Kysely, Migration } from 'kysely';

/** The table this migration adds; read with `db.withTables<TenantSenderTables>()`. */
// A type, not an interface: withTables wants an index signature.
export type TenantSenderTables = {
  /**
   * The senders an operator verified for a tenant: an address (`news@acme.test`) or a whole domain
   * (`@acme.test`), the domain lowercased. A newsletter's `from` must be one of them.
   */
  tenant_senders: { tenant_id: string; sender: string; created_at: string };
};

export function tenantSendersSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenant_senders')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tenant_senders_pkey', ['tenant_id', 'sender'])
        .execute();
    },
  };
}
