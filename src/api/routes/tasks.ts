import { Router, type Response } from 'express';
import { Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import { LimitExceeded } from '../../services/errors';
import type { SendControl } from '../../services/sends';
import { watchTask } from '../../services/task-events';
import type { TaskView } from '../../shared/views';
import { caller } from '../auth';
import type { ApiDeps, ApiServices } from '../deps';
import { TaskId, TaskListQuery } from '../schemas/requests';
import type { CancelAccepted, SendControlAccepted } from '../schemas/responses';
import { parseRequest } from '../validate';

/** Everything under `/v1/tasks`: the caller's tasks, their live progress, cancel, and pause/resume of sends. */
export function taskRoutes(
  { settings, logger }: ApiDeps,
  { tasks, sends, limits }: ApiServices,
  metrics: Registry,
): Router {
  const router = Router();
  const streams = new Gauge({
    name: 'mailroom_task_event_streams',
    help: 'Open task event streams (each polls its workflow).',
    registers: [metrics],
  });
  /** Open streams per user in this process: each polls Temporal, so a user may hold only so many. */
  const openStreams = new Map<string, number>();

  router.get('/v1/tasks', async (req, res) => {
    const query = parseRequest(TaskListQuery, req.query, 'query');
    res.json(await tasks.list(caller(req), query));
  });

  router.get('/v1/tasks/:taskId', async (req, res) => {
    const taskId = parseRequest(TaskId, req.params.taskId, 'path');
    res.json(await tasks.get(caller(req), taskId));
  });

  /**
   * `progress` events while the task runs (only when something changed), one `end` event with the full
   * task once it has closed, then the stream closes. Comment lines keep idle proxies from cutting it.
   */
  router.get('/v1/tasks/:taskId/events', async (req, res) => {
    const taskId = parseRequest(TaskId, req.params.taskId, 'path');
    const owner = caller(req);
    const max = (await limits.of(owner.tenantId)).eventStreams;
    const open = openStreams.get(owner.userId) ?? 0;
    if (open >= max) {
      throw new LimitExceeded(
        'event_streams',
        max,
        5,
        `you already follow ${open} tasks live, the limit; close one first`,
      );
    }
    openStreams.set(owner.userId, open + 1);
    const gone = new AbortController();
    res.on('close', () => {
      gone.abort();
      const left = (openStreams.get(owner.userId) ?? 1) - 1;
      if (left > 0) openStreams.set(owner.userId, left);
      else openStreams.delete(owner.userId);
    });
    const events = watchTask(tasks, owner, taskId, { signal: gone.signal });
    // The first view decides the answer: a task that is not the caller's is a plain JSON 404.
    const first = await events.next();
    if (first.done) return void res.end();
    // An EventSource reconnects after the stream ends; 204 is the standard way to tell it to stop.
    if (first.value.status !== 'RUNNING' && req.get('last-event-id') !== undefined) return void res.status(204).end();

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), settings.sseHeartbeatMs);
    streams.inc();
    let id = 0;
    try {
      writeEvent(res, ++id, first.value);
      for await (const view of events) writeEvent(res, ++id, view);
    } catch (error) {
      logger.warn({ err: error, taskId }, 'task event stream failed');
      const body = {
        error: { code: 'unavailable', message: 'the task could not be read just now; reconnect to continue' },
      };
      res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
    } finally {
      clearInterval(heartbeat);
      streams.dec();
      res.end();
    }
  });

  router.post('/v1/tasks/:taskId/cancel', async (req, res) => {
    const taskId = parseRequest(TaskId, req.params.taskId, 'path');
    await tasks.cancel(caller(req), taskId);
    const links = { self: `/v1/tasks/${taskId}`, events: `/v1/tasks/${taskId}/events` };
    const body: z.infer<typeof CancelAccepted> = { taskId, cancelRequested: true, links };
    res.status(202).location(links.self).json(body);
  });

  for (const action of ['pause', 'resume'] as const satisfies SendControl[]) {
    router.post(`/v1/tasks/:taskId/${action}`, async (req, res) => {
      const taskId = parseRequest(TaskId, req.params.taskId, 'path');
      await sends.control(caller(req), taskId, action);
      const body: z.infer<ReturnType<typeof SendControlAccepted>> = { taskId, action };
      res.status(202).json(body);
    });
  }
  return router;
}

function writeEvent(res: Response, id: number, view: TaskView): void {
  const closed = view.status !== 'RUNNING';
  const data = closed ? view : { taskId: view.taskId, status: view.status, progress: view.progress };
  res.write(`id: ${id}\nevent: ${closed ? 'end' : 'progress'}\ndata: ${JSON.stringify(data)}\n\n`);
}
