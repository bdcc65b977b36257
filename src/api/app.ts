import express, { type Express } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerApiMetrics } from '../observability/api-metrics';
import { observeRequests } from '../observability/request-observer';
import { ExportService } from '../services/exports';
import { ImportService } from '../services/imports';
import { LimitService } from '../services/limits';
import { NewsletterService } from '../services/newsletters';
import { ScheduleService } from '../services/schedules';
import { SendService } from '../services/sends';
import { TaskService } from '../services/tasks';
import { requireApiKey } from './auth';
import type { ApiDeps, ApiServices } from './deps';
import { errorHandler, unknownRoute } from './errors';
import { methodNotAllowed, openApiRoutes } from './openapi/document';
import { contactRoutes } from './routes/contacts';
import { downloadRoutes } from './routes/downloads';
import { exportRoutes } from './routes/exports';
import { healthRoutes } from './routes/health';
import { newsletterRoutes } from './routes/newsletters';
import { notificationRoutes } from './routes/notifications';
import { appPageRoutes } from './routes/app-page';
import { scheduleRoutes } from './routes/schedules';
import { sessionRoutes } from './routes/session';
import { taskRoutes } from './routes/tasks';
import { unsubscribeRoutes } from './routes/unsubscribe';

export type { ApiDeps } from './deps';

/** The services behind the routes, built once from the process's dependencies. */
function buildServices({ database, temporal, settings, files }: ApiDeps): ApiServices {
  const limits = new LimitService(database.db, settings.limits);
  const tasks = new TaskService(database, temporal, limits, settings);
  return {
    tasks,
    limits,
    exports: new ExportService(database.db, tasks, limits, settings),
    imports: new ImportService(tasks, files.importFiles),
    sends: new SendService(database.db, tasks, settings),
    newsletters: new NewsletterService(database.db),
    schedules: new ScheduleService(database.db, temporal, limits, settings),
  };
}

/** The HTTP API, without a listener: tests start it on port 0 with real dependencies. */
export function createApp(deps: ApiDeps, metrics = new Registry()): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const services = buildServices(deps);
  // Served by `startApi` on MAILROOM_API_METRICS_PORT, never on this public app.
  collectDefaultMetrics({ register: metrics });
  registerApiMetrics(metrics, deps.temporal);
  // First: every request is counted, timed and logged with its id, tenant and task.
  app.use(observeRequests(deps.logger));

  app.use(healthRoutes(deps));
  app.use(downloadRoutes(deps));
  app.use(unsubscribeRoutes(deps));
  app.use(openApiRoutes());
  app.use(appPageRoutes(deps));
  app.use(sessionRoutes(deps));

  // The key first: a request without a valid one is refused before its body is read. An import's body is
  // its route's alone (CSV streamed to a file), so a JSON one there is a 415 from the route, never parsed.
  const json = express.json({ limit: '2mb' });
  app.use('/v1', requireApiKey(deps.database.db), (req, res, next) =>
    req.path === '/contacts/import' ? next() : json(req, res, next),
  );
  app.use(newsletterRoutes(deps, services));
  app.use(exportRoutes(services));
  app.use(contactRoutes(deps, services));
  app.use(taskRoutes(deps, services, metrics));
  app.use(notificationRoutes(deps));
  app.use(scheduleRoutes(services));

  app.use(methodNotAllowed());
  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
