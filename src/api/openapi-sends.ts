import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { authenticated, errors, json } from './openapi-helpers';
import { TaskStarted } from './response-schemas';
import { id, IdempotencyKey, TaskId } from './schemas';

/** The routes of src/api/routes/sends.ts and src/api/routes/unsubscribe.ts. */
export function describeSendRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/newsletters/{newsletterId}/send',
    summary: 'Send a draft newsletter to its subscribed contacts (once per newsletter)',
    ...authenticated,
    request: {
      params: z.object({ newsletterId: id }),
      headers: z.object({ 'Idempotency-Key': IdempotencyKey.optional() }),
    },
    responses: {
      200: json(TaskStarted, 'the task this Idempotency-Key already started'),
      202: json(TaskStarted, 'sending; follow links.self'),
      ...errors(400, 401, 404, 409, 422),
    },
  });
  for (const action of ['pause', 'resume'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/v1/tasks/{taskId}/${action}`,
      summary: `${action === 'pause' ? 'Pause' : 'Resume'} a running send`,
      ...authenticated,
      request: { params: z.object({ taskId: TaskId }) },
      responses: {
        202: json(z.object({ taskId: z.string(), action: z.literal(action) }), 'signalled'),
        ...errors(400, 401, 404, 409),
      },
    });
  }
  const token = z.object({ token: z.string().min(1).max(1000) });
  registry.registerPath({
    method: 'get',
    path: '/unsubscribe/{token}',
    summary: 'Unsubscribe the contact a signed link names (the link is the credential)',
    request: { params: token },
    responses: {
      200: { description: 'a sentence confirming it', content: { 'text/plain': { schema: z.string() } } },
      ...errors(404),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/unsubscribe/{token}',
    summary: 'One-click unsubscribe (RFC 8058)',
    request: { params: token },
    responses: { 204: { description: 'unsubscribed' }, ...errors(404) },
  });
}
