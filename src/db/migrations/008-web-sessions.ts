import type { Kysely, Migration } from 'kysely';

/**
 * The task page's sign-in: browser sessions and one-time sign-in links. Only sha256 hashes of their
 * tokens are stored, so a copy of the database signs nobody in.
 */
export function webSessionsSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('web_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('web_sessions_expires').on('web_sessions').column('expires_at').execute();
      await db.schema
        .createTable('login_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
    },
  };
}
