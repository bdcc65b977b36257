import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { authenticated, errors, json } from '../openapi/helpers';
import { NotificationId, NotificationListQuery } from '../schemas/requests';
import { NotificationList } from '../schemas/responses';

/** The routes of notifications.ts. */
export function describeNotificationRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/notifications',
    summary: 'The caller’s unread “task finished / failed / cancelled” messages, newest first',
    ...authenticated,
    request: { query: NotificationListQuery },
    responses: { 200: json(NotificationList, 'unread notifications'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/notifications/{notificationId}/read',
    summary: 'Mark one notification read',
    ...authenticated,
    request: { params: z.object({ notificationId: NotificationId }) },
    responses: { 204: { description: 'read (again)' }, ...errors(400, 401, 404) },
  });
}
