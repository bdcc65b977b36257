import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errors } from '../openapi/helpers';

/** The routes of downloads.ts. */
export function describeDownloadRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/downloads/{token}',
    summary: 'An export file behind its signed, expiring link (the link is the credential)',
    request: { params: z.object({ token: z.string().min(1).max(1000) }) },
    responses: {
      200: { description: 'the CSV file, as an attachment', content: { 'text/csv': { schema: z.string() } } },
      ...errors(403, 404, 410),
    },
  });
}
