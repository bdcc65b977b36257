import { Router, type Request } from 'express';
import { caller } from '../auth';
import type { ApiServices } from '../deps';
import { NotFound } from '../../services/errors';
import { SCHEDULE_ID } from '../../shared/views';
import { ScheduleCreate, ScheduleListQuery, SchedulePatch, SchedulePause } from '../schemas/schedules';
import { parseRequest } from '../validate';

/** A malformed id reads like an unknown one: 404, not 400. */
function scheduleId(req: Request): string {
  const id = String(req.params.id);
  if (!SCHEDULE_ID.test(id)) throw new NotFound('schedule');
  return id;
}

/** The caller's recurring tasks; each run is an ordinary task of `GET /v1/tasks`. */
export function scheduleRoutes({ schedules }: ApiServices): Router {
  const router = Router();
  router.get('/v1/schedules', async (req, res) => {
    const query = parseRequest(ScheduleListQuery, req.query, 'query');
    res.json(await schedules.list(caller(req), query));
  });
  router.post('/v1/schedules', async (req, res) => {
    const body = parseRequest(ScheduleCreate, req.body, 'body');
    const view = await schedules.create(caller(req), body);
    res.status(201).location(view.links.self).json(view);
  });
  router.get('/v1/schedules/:id', async (req, res) => {
    res.json(await schedules.get(caller(req), scheduleId(req)));
  });
  router.patch('/v1/schedules/:id', async (req, res) => {
    const id = scheduleId(req);
    const patch = parseRequest(SchedulePatch, req.body, 'body');
    res.json(await schedules.update(caller(req), id, patch));
  });
  router.delete('/v1/schedules/:id', async (req, res) => {
    await schedules.remove(caller(req), scheduleId(req));
    res.status(204).end();
  });
  router.post('/v1/schedules/:id/pause', async (req, res) => {
    const id = scheduleId(req);
    const body = parseRequest(SchedulePause, req.body, 'body');
    await schedules.pause(caller(req), id, body?.note);
    res.status(204).end();
  });
  router.post('/v1/schedules/:id/unpause', async (req, res) => {
    await schedules.unpause(caller(req), scheduleId(req));
    res.status(204).end();
  });
  router.post('/v1/schedules/:id/trigger', async (req, res) => {
    const id = scheduleId(req);
    await schedules.trigger(caller(req), id);
    res
      .status(202)
      .json({ id, status: 'TRIGGERED', links: { schedule: `/v1/schedules/${id}`, tasks: '/v1/tasks?kind=export' } });
  });
  return router;
}
