import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { authenticated, errors, jsonBody, taskStartedResponses } from '../openapi/helpers';
import { ExportRequest, IdempotencyHeaders } from '../schemas/requests';

/** The routes of exports.ts. */
export function describeExportRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/exports',
    summary: 'Export a newsletter’s per-recipient statistics as CSV; the link is emailed and notified',
    ...authenticated,
    request: { headers: IdempotencyHeaders, body: jsonBody(ExportRequest) },
    responses: { ...taskStartedResponses('started'), ...errors(400, 401, 404, 413, 422, 429) },
  });
}
