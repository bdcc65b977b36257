import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { now, type DatabaseSchema, type NotificationTable } from '../schema';

export interface NewNotification {
  tenantId: string;
  userId: string;
  taskId: string;
  kind: string;
  message: string;
  /** The export whose link the notification offers; the API signs the link when it is read. */
  exportId?: string;
}

/** One notification per task: a retried activity adds nothing. */
export async function addNotification(db: Kysely<DatabaseSchema>, n: NewNotification): Promise<void> {
  await db
    .insertInto('notifications')
    .values({
      id: `ntf_${crypto.randomBytes(12).toString('base64url')}`,
      tenant_id: n.tenantId,
      user_id: n.userId,
      task_id: n.taskId,
      kind: n.kind,
      message: n.message,
      link: null,
      export_id: n.exportId ?? null,
      read: 0,
      created_at: now(),
    })
    .onConflict((oc) => oc.column('task_id').doNothing())
    .execute();
}

export async function listUnreadNotifications(
  db: Kysely<DatabaseSchema>,
  owner: { tenantId: string; userId: string },
  limit = 100,
): Promise<Array<NotificationTable & { export_expires_at: string | null; task_outcome?: string | null }>> {
  return db
    .selectFrom('notifications as n')
    .leftJoin('exports as e', 'e.id', 'n.export_id')
    .leftJoin('tasks as t', 't.id', 'n.task_id')
    .selectAll('n')
    .select(['e.expires_at as export_expires_at', 't.outcome as task_outcome'])
    .where('n.tenant_id', '=', owner.tenantId)
    .where('n.user_id', '=', owner.userId)
    .where('n.read', '=', 0)
    .orderBy('n.created_at', 'desc')
    .limit(limit)
    .execute();
}

/** False when the notification is not the caller's (or does not exist): the API answers 404 alike. */
export async function markNotificationRead(
  db: Kysely<DatabaseSchema>,
  owner: { tenantId: string; userId: string },
  id: string,
): Promise<boolean> {
  const result = await db
    .updateTable('notifications')
    .set({ read: 1 })
    .where('id', '=', id)
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
