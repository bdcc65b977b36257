import { Router } from 'express';
import { findNewsletter } from '../../db/queries/newsletters';
import { workflowIds, type ExportNewsletterStatsInput } from '../../shared/contracts';
import type { TaskService } from '../../services/tasks';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { idempotencyKeyOf } from '../idempotency';
import { ExportRequest } from '../schemas';
import { parseRequest } from '../validate';

export function exportRoutes({ database, settings }: ApiDeps, tasks: TaskService): Router {
  const router = Router();
  router.post('/v1/exports', async (req, res) => {
    const owner = caller(req);
    const { newsletterId } = parseRequest(ExportRequest, req.body, 'body');
    const idempotencyKey = idempotencyKeyOf(req);
    const newsletter = await findNewsletter(database.db, owner.tenantId, newsletterId);
    if (!newsletter) throw notFound('newsletter');
    const input: ExportNewsletterStatsInput = {
      tenantId: owner.tenantId,
      userId: owner.userId,
      newsletterId,
      linkTtlMs: settings.linkTtlMs,
    };
    const { task, created } = await tasks.start({
      owner,
      kind: 'export',
      workflowType: 'exportNewsletterStats',
      workflowId: (key) => workflowIds.export(owner.tenantId, newsletterId, key),
      args: [input],
      request: { newsletterId },
      idempotencyKey,
      summary: `Export statistics of "${newsletter.subject}" (newsletter ${newsletterId}) for ${owner.email}`,
    });
    res
      .status(created ? 202 : 200)
      .location(`/v1/tasks/${task.id}`)
      .json({ taskId: task.id, kind: 'export', status: 'RUNNING', links: { self: `/v1/tasks/${task.id}` } });
  });
  return router;
}
