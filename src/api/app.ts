import express, { type Express } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { TaskService } from '../services/tasks';
import { requireApiKey } from './auth';
import type { ApiDeps } from './deps';
import { errorHandler, unknownRoute } from './errors';
import { downloadRoutes } from './routes/downloads';
import { exportRoutes } from './routes/exports';
import { healthRoutes } from './routes/health';
import { newsletterRoutes } from './routes/newsletters';
import { scheduleRoutes } from './routes/schedules';
import { sendRoutes } from './routes/sends';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { taskRoutes } from './routes/tasks';
import { taskEventRoutes } from './routes/task-events';
import { notificationRoutes } from './routes/notifications';
import { contactRoutes } from './routes/contacts';
import { methodNotAllowed, openApiRoutes } from './openapi';

export type { ApiDeps } from './deps';

/** The HTTP API, without a listener: tests start it on port 0 with real dependencies. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const tasks = new TaskService(deps.database.db, deps.temporal, deps.settings.taskQueue);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  app.use(healthRoutes(deps));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.contentType).send(await metrics.metrics());
  });
  app.use(downloadRoutes(deps));
  app.use(unsubscribeRoutes(deps));
  app.use(openApiRoutes());

  app.use('/v1', express.json({ limit: '2mb' }), requireApiKey(deps.database.db));
  app.use(exportRoutes(deps, tasks));
  app.use(taskRoutes(tasks));
  app.use(newsletterRoutes(deps));
  app.use(scheduleRoutes(deps));
  app.use(sendRoutes(deps, tasks));
  app.use(taskEventRoutes(tasks, deps, metrics));
  app.use(notificationRoutes(deps));
  app.use(contactRoutes(deps, tasks));

  app.use(methodNotAllowed());
  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
