import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { findNewsletter } from '../../db/queries/newsletters';
import { claimDraftForSending, setNewsletterStatus } from '../../db/queries/sends';
import { findOwnTask, findTaskByIdempotencyKey } from '../../db/queries/tasks';
import { sendBatching } from '../../services/send-batching';
import type { TaskService } from '../../services/tasks';
import { pauseSignal, resumeSignal, workflowIds, type SendNewsletterInput } from '../../shared/contracts';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, notFound } from '../errors';
import { idempotencyKeyOf } from '../idempotency';
import { id, TaskId } from '../schemas';
import { parseRequest } from '../validate';

export function sendRoutes({ database, settings }: ApiDeps, tasks: TaskService): Router {
  const router = Router();

  router.post('/v1/newsletters/:newsletterId/send', async (req, res) => {
    const owner = caller(req);
    const newsletterId = parseRequest(id, req.params.newsletterId, 'path');
    const idempotencyKey = idempotencyKeyOf(req);
    const start = () =>
      tasks.start({
        owner,
        kind: 'send',
        workflowType: 'sendNewsletter',
        workflowId: () => workflowIds.send(owner.tenantId, newsletterId),
        args: [{ ...owner, newsletterId, ...sendBatching(settings.emailRate) } satisfies SendNewsletterInput],
        request: { newsletterId },
        idempotencyKey,
        summary: `Send newsletter ${newsletterId} for ${owner.email}`,
      });
    const respond = (taskId: string, status: number) =>
      res
        .status(status)
        .location(`/v1/tasks/${taskId}`)
        .json({ taskId, kind: 'send', status: 'RUNNING', links: { self: `/v1/tasks/${taskId}` } });

    // A double click with the same key gets the task the first click started.
    if (idempotencyKey && (await findTaskByIdempotencyKey(database.db, owner, idempotencyKey))) {
      return void respond((await start()).task.id, 200);
    }
    // One send per newsletter: the draft is claimed atomically before any workflow starts.
    if (!(await claimDraftForSending(database.db, owner.tenantId, newsletterId))) {
      if (!(await findNewsletter(database.db, owner.tenantId, newsletterId))) throw notFound('newsletter');
      throw new HttpError(409, 'already_sent', 'this newsletter is already sending or sent');
    }
    try {
      const { task } = await start();
      respond(task.id, 202);
    } catch (error) {
      await setNewsletterStatus(database.db, newsletterId, 'draft');
      throw error;
    }
  });

  for (const [action, signal] of [
    ['pause', pauseSignal],
    ['resume', resumeSignal],
  ] as const) {
    router.post(`/v1/tasks/:taskId/${action}`, async (req, res) => {
      const taskId = parseRequest(TaskId, req.params.taskId, 'path');
      const task = await findOwnTask(database.db, caller(req), taskId);
      if (!task) throw notFound('task');
      if (task.kind !== 'send')
        throw new HttpError(409, 'not_pausable', `only sends can ${action}; this task is an ${task.kind}`);
      const handle = tasks.handle(taskId);
      const notRunning = new HttpError(409, 'not_running', 'this task has already finished');
      try {
        if ((await handle.describe()).status.name !== 'RUNNING') throw notRunning;
        await handle.signal(signal);
      } catch (error) {
        // Not started yet, or closed between the describe and the signal (the API fuzz found both).
        if (error instanceof WorkflowNotFoundError) throw notRunning;
        throw error;
      }
      res.status(202).json({ taskId, action });
    });
  }
  return router;
}
