import type { Kysely } from 'kysely';
import type { DatabaseSchema, TaskTable } from '../schema';
import type { TaskKind } from '../../shared/contracts';
import { olderThan, type PagePosition } from './newest-first';

/** Records who owns a workflow id; a second record of the same id (an idempotent restart) is a no-op. */
export async function recordTask(db: Kysely<DatabaseSchema>, task: TaskTable): Promise<void> {
  await db
    .insertInto('tasks')
    .values(task)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The caller's task, or undefined: someone else's id reads exactly like an unknown one. */
export async function findOwnTask(
  db: Kysely<DatabaseSchema>,
  owner: { tenantId: string; userId: string },
  id: string,
): Promise<TaskTable | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .executeTakeFirst();
}

export async function findTaskByIdempotencyKey(
  db: Kysely<DatabaseSchema>,
  owner: { tenantId: string; userId: string },
  idempotencyKey: string,
): Promise<TaskTable | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/** Newest first; `before` is the created_at/id pair of the last item of the previous page. */
export async function listOwnTasks(
  db: Kysely<DatabaseSchema>,
  owner: { tenantId: string; userId: string },
  page: { limit: number; kind?: TaskKind; before?: PagePosition },
): Promise<TaskTable[]> {
  let query = db
    .selectFrom('tasks')
    .selectAll()
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId);
  if (page.kind) query = query.where('kind', '=', page.kind);
  if (page.before) query = query.where(olderThan(page.before));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** Undoes `recordTask` when its workflow could not be started. */
export async function deleteTask(db: Kysely<DatabaseSchema>, id: string): Promise<void> {
  await db.deleteFrom('tasks').where('id', '=', id).execute();
}
