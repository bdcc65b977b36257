import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { now, type DatabaseSchema, type UserTable } from '../schema';

export const hashApiKey = (apiKey: string): string => crypto.createHash('sha256').update(apiKey).digest('hex');

/** Creates the user, or gives an existing one a new key; the key itself is returned once, never stored. */
export async function issueApiKey(
  db: Kysely<DatabaseSchema>,
  tenantId: string,
  email: string,
): Promise<{ user: UserTable; apiKey: string; created: boolean }> {
  const apiKey = `mr_${crypto.randomBytes(32).toString('base64url')}`;
  const api_key_hash = hashApiKey(apiKey);
  const existing = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing) {
    await db.updateTable('users').set({ api_key_hash }).where('id', '=', existing.id).execute();
    return { user: { ...existing, api_key_hash }, apiKey, created: false };
  }
  const user: UserTable = {
    id: `usr_${crypto.randomBytes(9).toString('base64url')}`,
    tenant_id: tenantId,
    email,
    api_key_hash,
    created_at: now(),
  };
  await db.insertInto('users').values(user).execute();
  return { user, apiKey, created: true };
}

export async function findUserByApiKey(db: Kysely<DatabaseSchema>, apiKey: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('api_key_hash', '=', hashApiKey(apiKey)).executeTakeFirst();
}

export async function findUser(db: Kysely<DatabaseSchema>, userId: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}
