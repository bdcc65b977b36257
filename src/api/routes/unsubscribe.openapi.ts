import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errors } from '../openapi/helpers';

/** The routes of unsubscribe.ts. */
export function describeUnsubscribeRoutes(registry: OpenAPIRegistry): void {
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
