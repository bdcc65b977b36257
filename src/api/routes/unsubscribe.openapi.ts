import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errors } from '../openapi/helpers';

/** The routes of unsubscribe.ts. */
export function describeUnsubscribeRoutes(registry: OpenAPIRegistry): void {
  const token = z.object({ token: z.string().min(1).max(1000) });
  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  registry.registerPath({
    method: 'get',
    path: '/unsubscribe/{token}',
    summary: 'A page asking to confirm, with a button that POSTs; a GET never unsubscribes (RFC 8058)',
    description:
      'The signed link of the `List-Unsubscribe` header (the link is the credential). Mail scanners and link ' +
      'previews follow links, so this only shows a small HTML page (no script, strict Content-Security-Policy).',
    request: { params: token },
    responses: { 200: html('the confirmation page'), ...errors(404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/unsubscribe/{token}',
    summary: 'Unsubscribe the contact the signed link names: the one-click POST of List-Unsubscribe-Post (RFC 8058)',
    description:
      'The body (`List-Unsubscribe=One-Click`) is not needed. A request that accepts text/html (the page’s ' +
      'button) gets a page saying it is done; any other gets 204.',
    request: { params: token },
    responses: {
      200: html('unsubscribed (a browser asked for a page)'),
      204: { description: 'unsubscribed' },
      ...errors(404),
    },
  });
}
