import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema';

/** True when the database answers a trivial query. */
export async function databaseAnswers(db: Kysely<DatabaseSchema>): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}
