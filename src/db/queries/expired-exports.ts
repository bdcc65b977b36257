import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema';

/**
 * Exports whose link has expired, oldest first. Only expired ones: a row deleted before its link expires
 * would turn that link's answer from 410 into 404.
 */
export async function findExpiredExports(
  db: Kysely<DatabaseSchema>,
  now: string,
  limit: number,
): Promise<Array<{ id: string; file_key: string }>> {
  return db
    .selectFrom('exports')
    .select(['id', 'file_key'])
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Deletes the row only if it is still expired at `now`; says whether it did. */
export async function deleteExpiredExport(db: Kysely<DatabaseSchema>, id: string, now: string): Promise<boolean> {
  const result = await db.deleteFrom('exports').where('id', '=', id).where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
