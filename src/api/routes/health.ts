import { Router } from 'express';
import { databaseAnswers } from '../../db/queries/health';
import type { ApiDeps } from '../deps';

export function healthRoutes({ database, temporal }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const [db, tmp] = await Promise.all([
      databaseAnswers(database),
      temporal.connection.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
    ]);
    const down = [...(db ? [] : ['database']), ...(tmp ? [] : ['temporal'])];
    res.status(down.length ? 503 : 200).json(down.length ? { status: 'unavailable', down } : { status: 'ready' });
  });
  return router;
}
