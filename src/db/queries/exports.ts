import type { Kysely } from 'kysely';
import type { DatabaseSchema, ExportTable } from '../schema';

/** Idempotent: a retried publish finds its own row. */
export async function recordExport(db: Kysely<DatabaseSchema>, row: ExportTable): Promise<ExportTable> {
  await db
    .insertInto('exports')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return db.selectFrom('exports').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
}

export async function findExport(db: Kysely<DatabaseSchema>, id: string): Promise<ExportTable | undefined> {
  return db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
}
