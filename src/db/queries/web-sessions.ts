import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { now, type DatabaseSchema, type UserTable } from '../schema';

/** 256 random bits, URL-safe: the value of a session cookie or of a sign-in link. */
const newToken = (): string => crypto.randomBytes(32).toString('base64url');
const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');
const later = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Starts a browser session for the user; the token is returned once, only its hash is kept. */
export async function createWebSession(
  db: Kysely<DatabaseSchema>,
  userId: string,
  ttlMs: number,
): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const expiresAt = later(ttlMs);
  await db
    .insertInto('web_sessions')
    .values({ token_hash: hashToken(token), user_id: userId, created_at: now(), expires_at: expiresAt })
    .execute();
  // Signing in is rare: a good moment to forget the sessions that have expired.
  await db.deleteFrom('web_sessions').where('expires_at', '<', now()).execute();
  return { token, expiresAt };
}

/** The user behind a session cookie that has not expired, and when it expires. */
export async function findWebSession(
  db: Kysely<DatabaseSchema>,
  token: string,
): Promise<{ user: UserTable; expiresAt: string } | undefined> {
  const row = await db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .selectAll('users')
    .select('web_sessions.expires_at')
    .where('web_sessions.token_hash', '=', hashToken(token))
    .where('web_sessions.expires_at', '>', now())
    .executeTakeFirst();
  if (!row) return undefined;
  const { expires_at, ...user } = row;
  return { user, expiresAt: expires_at };
}

export async function deleteWebSession(db: Kysely<DatabaseSchema>, token: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('token_hash', '=', hashToken(token)).execute();
}

/** A one-time sign-in token for the user, valid for `ttlMs`. */
export async function createLoginLink(db: Kysely<DatabaseSchema>, userId: string, ttlMs: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto('login_links')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      created_at: now(),
      expires_at: later(ttlMs),
      used_at: null,
    })
    .execute();
  await db.deleteFrom('login_links').where('expires_at', '<', now()).execute();
  return token;
}

/**
 * Spends a sign-in token: the one UPDATE that marks it used succeeds once, so two concurrent uses cannot
 * both sign in. Answers the user id, or undefined for an unknown, used or expired token.
 */
export async function useLoginLink(db: Kysely<DatabaseSchema>, token: string): Promise<string | undefined> {
  const at = now();
  const row = await db
    .updateTable('login_links')
    .set({ used_at: at })
    .where('token_hash', '=', hashToken(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** The users with this email, in every tenant (an email is unique only within its tenant). */
export async function findUsersByEmail(db: Kysely<DatabaseSchema>, email: string): Promise<UserTable[]> {
  return db.selectFrom('users').selectAll().where('email', '=', email).orderBy('tenant_id').execute();
}
