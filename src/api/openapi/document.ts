import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import { HttpError } from '../errors';
import { describeContactRoutes } from '../routes/contacts.openapi';
import { describeDownloadRoutes } from '../routes/downloads.openapi';
import { describeExportRoutes } from '../routes/exports.openapi';
import { describeHealthRoutes } from '../routes/health.openapi';
import { describeNewsletterRoutes } from '../routes/newsletters.openapi';
import { describeNotificationRoutes } from '../routes/notifications.openapi';
import { describeScheduleRoutes } from '../routes/schedules.openapi';
import { describeSessionRoutes } from '../routes/session.openapi';
import { describeTaskRoutes } from '../routes/tasks.openapi';
import { describeUnsubscribeRoutes } from '../routes/unsubscribe.openapi';
import { TaskProgress } from '../schemas/responses';
import type { RouteDescriber } from './helpers';

/**
 * Every describer of the app. A route served by the app but described by none fails
 * test/openapi.test.ts; a route family keeps its describer beside it (`routes/<family>.openapi.ts`), listed here.
 */
const DESCRIBERS: RouteDescriber[] = [
  describeHealthRoutes,
  describeDownloadRoutes,
  describeUnsubscribeRoutes,
  describeNewsletterRoutes,
  describeExportRoutes,
  describeContactRoutes,
  describeTaskRoutes,
  describeNotificationRoutes,
  describeScheduleRoutes,
  describeSessionRoutes,
];

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export function buildOpenApiDocument(describers: RouteDescriber[] = DESCRIBERS): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `mailroom users create`',
  });
  for (const describe of describers) describe(registry);
  // 3.1: its schemas are JSON Schema 2020-12, whose content keywords describe the JSON inside SSE data.
  // TaskProgress is referenced only from inside the event schema (its contentSchema): listed by hand.
  return new OpenApiGeneratorV31([...registry.definitions, { type: 'schema', schema: TaskProgress }]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'mailroom',
      version: '1',
      description:
        'Background tasks of the emailing SaaS: exports, imports, sends, schedules, and the user’s view of them.',
    },
  });
}

// --- serving it -------------------------------------------------------------------------------------

/** `GET /openapi.json`, built once: the description does not change while the process runs. */
export function openApiRoutes(document: () => OpenApiDocument = cachedDocument): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => void res.json(document()));
  return router;
}

let cached: OpenApiDocument | undefined;
const cachedDocument = () => (cached ??= buildOpenApiDocument());

/**
 * After every route: a known path asked with another method is 405 with an `Allow` header (HTTP says so,
 * and the fuzz checks it), instead of the 404 of an unknown path.
 */
export function methodNotAllowed(document: () => OpenApiDocument = cachedDocument): RequestHandler {
  let table: Array<{ pattern: RegExp; allow: string }> | undefined;
  return (req, res, next) => {
    table ??= Object.entries(document().paths ?? {}).map(([path, item]) => {
      const methods = Object.keys(item as object)
        .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
        .map((m) => m.toUpperCase());
      if (methods.includes('GET')) methods.push('HEAD');
      const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return { pattern, allow: methods.join(', ') };
    });
    const match = table.find((entry) => entry.pattern.test(req.path));
    if (!match) return next();
    res.set('Allow', match.allow);
    next(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${match.allow}`));
  };
}
