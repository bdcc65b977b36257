import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { authenticated, errors, taskStartedResponses } from '../openapi/helpers';
import { ContactsCsv, IdempotencyHeaders } from '../schemas/requests';

/** The routes of contacts.ts. */
export function describeContactRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/contacts/import',
    summary: 'Import contacts from CSV: created or updated by email; invalid rows reported by line',
    ...authenticated,
    request: {
      headers: IdempotencyHeaders,
      body: { required: true, content: { 'text/csv': { schema: ContactsCsv } } },
    },
    responses: { ...taskStartedResponses('started'), ...errors(400, 401, 413, 415, 422, 429) },
  });
}
