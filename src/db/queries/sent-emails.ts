import type { Kysely } from 'kysely';
import { now, type DatabaseSchema } from '../schema';

export async function findSentEmail(db: Kysely<DatabaseSchema>, key: string) {
  return db.selectFrom('sent_emails').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function recordSentEmail(db: Kysely<DatabaseSchema>, key: string, messageId: string): Promise<void> {
  await db
    .insertInto('sent_emails')
    .values({ key, message_id: messageId, sent_at: now() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}
