import { sql, type Kysely } from 'kysely';
import { now, type Database, type DatabaseSchema, type TaskTable } from '../schema';
import type { Progress, TaskKind, TaskOutcome } from '../../shared/contracts';
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

/**
 * Records the task only while the owner's tenant has fewer than `max` open tasks of its kind (`full`
 * otherwise), and only if neither its id nor its idempotency key is taken (`taken`: an earlier or
 * concurrent request has them). One tenant's concurrent starts are serialised (an advisory lock on
 * PostgreSQL; SQLite has one writer), so a burst cannot slip past the limit.
 */
export async function recordTaskWithin(
  database: Database,
  task: TaskTable,
  max: number,
): Promise<'recorded' | 'taken' | 'full'> {
  const full = new Error('full');
  return database.db
    .transaction()
    .execute(async (trx) => {
      if (database.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(${`tasks:${task.tenant_id}`}))`.execute(trx);
      }
      // Written first, then counted: on SQLite the write takes the lock at once (a read first would fail
      // with SQLITE_BUSY_SNAPSHOT when a worker commits in between); past the limit the insert rolls back.
      const inserted = await trx
        .insertInto('tasks')
        .values(task)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 'taken' as const;
      if ((await countOpenTasks(trx, task.tenant_id, task.kind)) > max) throw full;
      return 'recorded' as const;
    })
    .catch((error: unknown) => {
      if (error === full) return 'full' as const;
      throw error;
    });
}

export async function countOpenTasks(db: Kysely<DatabaseSchema>, tenantId: string, kind: TaskKind): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The tenant's open tasks of a kind, oldest first: the ones to check when the count reaches its limit. */
export async function listOpenTaskIds(db: Kysely<DatabaseSchema>, tenantId: string, kind: TaskKind): Promise<string[]> {
  const rows = await db
    .selectFrom('tasks')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('closed_at', 'is', null)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.id);
}

/** Marks a task closed (the first close time is kept), and records how it ended when that is known. */
export async function markTaskClosed(db: Kysely<DatabaseSchema>, id: string, outcome?: TaskOutcome): Promise<void> {
  if (!outcome) {
    await db
      .updateTable('tasks')
      .set({ closed_at: now() })
      .where('id', '=', id)
      .where('closed_at', 'is', null)
      .execute();
    return;
  }
  await db
    .updateTable('tasks')
    .set({ closed_at: sql<string>`coalesce(closed_at, ${now()})`, outcome: JSON.stringify(outcome) })
    .where('id', '=', id)
    .where('outcome', 'is', null)
    .execute();
}

/** Keeps the progress last read live from an open task's workflow: the listing shows it without a query. */
export async function recordTaskProgress(db: Kysely<DatabaseSchema>, id: string, progress: Progress): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ progress: JSON.stringify(progress) })
    .where('id', '=', id)
    .where('outcome', 'is', null)
    .execute();
}
