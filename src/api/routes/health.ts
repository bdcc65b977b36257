import { Router } from 'express';
import { databaseAnswers } from '../../db/queries/health';
import type { ApiDeps } from '../deps';

const READINESS_DEADLINE_MS = 900;

export function healthRoutes({ database, temporal }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const [db, tmp] = await Promise.all([
      databaseAnswers(database),
      // Within a second either way: a probe that hangs is as bad as one that says no.
      temporal.connection
        .withDeadline(Date.now() + READINESS_DEADLINE_MS, () => temporal.connection.workflowService.getSystemInfo({}))
        .then(
          () => true,
          () => false,
        ),
    ]);
    const down = [...(db ? [] : ['database']), ...(tmp ? [] : ['temporal'])];
    res.status(down.length ? 503 : 200).json(down.length ? { status: 'unavailable', down } : { status: 'ready' });
  });
  return router;
}
