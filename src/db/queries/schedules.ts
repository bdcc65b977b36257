import type { Kysely, Updateable } from 'kysely';
import type { DatabaseSchema, ScheduleTable } from '../schema';
import { olderThan, type PagePosition } from './newest-first';

type Owner = { tenantId: string; userId: string };

export async function insertSchedule(db: Kysely<DatabaseSchema>, row: ScheduleTable): Promise<void> {
  await db.insertInto('schedules').values(row).execute();
}

/** The caller's schedule, or undefined: someone else's id reads exactly like an unknown one. */
export async function findOwnSchedule(
  db: Kysely<DatabaseSchema>,
  owner: Owner,
  id: string,
): Promise<ScheduleTable | undefined> {
  return db
    .selectFrom('schedules')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .executeTakeFirst();
}

/** Newest first; `before` is the created_at/id pair of the last item of the previous page. */
export async function listOwnSchedules(
  db: Kysely<DatabaseSchema>,
  owner: Owner,
  page: { limit: number; before?: PagePosition },
): Promise<ScheduleTable[]> {
  let query = db
    .selectFrom('schedules')
    .selectAll()
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId);
  if (page.before) query = query.where(olderThan(page.before));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function updateOwnSchedule(
  db: Kysely<DatabaseSchema>,
  owner: Owner,
  id: string,
  changes: Updateable<ScheduleTable>,
): Promise<void> {
  await db
    .updateTable('schedules')
    .set(changes)
    .where('id', '=', id)
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .execute();
}

export async function deleteOwnSchedule(db: Kysely<DatabaseSchema>, owner: Owner, id: string): Promise<void> {
  await db
    .deleteFrom('schedules')
    .where('id', '=', id)
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .execute();
}

export async function countSchedules(db: Kysely<DatabaseSchema>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('schedules')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
