import { Router } from 'express';
import type { z } from 'zod';
import { listUnreadNotifications, markNotificationRead } from '../../db/queries/notifications';
import { NotFound } from '../../services/errors';
import { exportDownloadUrl } from '../../storage/download-links';
import { caller } from '../auth';
import { notificationOutcome } from '../notification-outcome';
import type { ApiDeps } from '../deps';
import { NotificationId, NotificationListQuery } from '../schemas/requests';
import type { NotificationList } from '../schemas/responses';
import { parseRequest } from '../validate';

/** The caller's "task finished / failed / cancelled" messages; another user's id reads as unknown. */
export function notificationRoutes({ database, settings }: ApiDeps): Router {
  const router = Router();
  router.get('/v1/notifications', async (req, res) => {
    const { limit } = parseRequest(NotificationListQuery, req.query, 'query');
    const rows = await listUnreadNotifications(database.db, caller(req), limit);
    const body: z.infer<typeof NotificationList> = {
      items: rows.map((row) => ({
        id: row.id,
        taskId: row.task_id,
        kind: row.kind,
        message: row.message,
        // The export's link is signed as it is read: notifications and histories never hold one.
        ...(row.export_id && row.export_expires_at
          ? { link: exportDownloadUrl(settings, row.export_id, row.export_expires_at) }
          : {}),
        ...withOutcome(notificationOutcome(row.task_outcome)),
        createdAt: row.created_at,
      })),
    };
    res.json(body);
  });
  router.post('/v1/notifications/:notificationId/read', async (req, res) => {
    const id = parseRequest(NotificationId, req.params.notificationId, 'path');
    if (!(await markNotificationRead(database.db, caller(req), id))) throw new NotFound('notification');
    res.status(204).end();
  });
  return router;
}

const withOutcome = <T>(outcome: T | undefined) => (outcome ? { outcome } : {});
