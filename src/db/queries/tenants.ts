import type { Kysely } from 'kysely';
import { now, type DatabaseSchema } from '../schema';

/** Creates the tenant unless it exists; says which happened. */
export async function ensureTenant(db: Kysely<DatabaseSchema>, id: string, name = id): Promise<'created' | 'exists'> {
  const inserted = await db
    .insertInto('tenants')
    .values({ id, name, created_at: now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? 'created' : 'exists';
}

export async function findTenant(db: Kysely<DatabaseSchema>, id: string) {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}
