import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { json } from '../openapi/helpers';
import { Health, Readiness } from '../schemas/responses';

/** The routes of health.ts and this description (`/metrics` is on its own port, MAILROOM_API_METRICS_PORT). */
export function describeHealthRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    responses: { 200: json(Health, 'up') },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Temporal and the database answer',
    responses: { 200: json(Readiness, 'ready'), 503: json(Readiness, 'a dependency is down, named in `down`') },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This description',
    responses: { 200: json(z.object({ openapi: z.string() }).loose(), 'OpenAPI 3 document') },
  });
}
