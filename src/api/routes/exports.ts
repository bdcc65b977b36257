import { Router } from 'express';
import { caller } from '../auth';
import type { ApiServices } from '../deps';
import { idempotencyKeyOf } from '../idempotency';
import { ExportRequest } from '../schemas/requests';
import { respondTaskStarted } from '../task-started';
import { parseRequest } from '../validate';

export function exportRoutes({ exports }: ApiServices): Router {
  const router = Router();
  router.post('/v1/exports', async (req, res) => {
    const { newsletterId } = parseRequest(ExportRequest, req.body, 'body');
    respondTaskStarted(res, await exports.start(caller(req), newsletterId, idempotencyKeyOf(req)));
  });
  return router;
}
