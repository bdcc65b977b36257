import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ScheduleList, ScheduleView, SCHEDULE_ID } from '../../shared/views';
import { authenticated, errors, json, jsonBody } from '../openapi/helpers';
import { ScheduleTriggered } from '../schemas/responses';
import { ScheduleCreate, ScheduleListQuery, SchedulePatch, SchedulePause } from '../schemas/schedules';

const params = z.object({ id: z.string().regex(SCHEDULE_ID) });

/** The routes of schedules.ts. */
export function describeScheduleRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/schedules',
    summary: 'The caller’s recurring tasks, newest first',
    ...authenticated,
    request: { query: ScheduleListQuery },
    responses: { 200: json(ScheduleList, 'a page; pass `next` as `cursor` for the next one'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/schedules',
    summary:
      'Schedule a recurring export: a 5-field crontab or an interval, in an optional time zone; runs never overlap',
    ...authenticated,
    request: { body: jsonBody(ScheduleCreate) },
    responses: {
      201: json(ScheduleView, 'created; its runs appear in GET /v1/tasks'),
      ...errors(400, 401, 404, 413, 429),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/schedules/{id}',
    summary: 'One of the caller’s schedules, with its state and latest runs',
    ...authenticated,
    request: { params },
    responses: { 200: json(ScheduleView, 'the schedule'), ...errors(401, 404) },
  });
  registry.registerPath({
    method: 'patch',
    path: '/v1/schedules/{id}',
    summary: 'Change the action, the recurrence or the time zone (null: UTC)',
    ...authenticated,
    request: { params, body: jsonBody(SchedulePatch) },
    responses: { 200: json(ScheduleView, 'the changed schedule'), ...errors(400, 401, 404, 409, 413) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/schedules/{id}',
    summary: 'Delete the schedule: no further runs (one going finishes)',
    ...authenticated,
    request: { params },
    responses: { 204: { description: 'deleted' }, ...errors(401, 404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/schedules/{id}/pause',
    summary: 'Stop runs until unpaused, with an optional note',
    ...authenticated,
    request: { params, body: { required: false, content: { 'application/json': { schema: SchedulePause.unwrap() } } } },
    responses: { 204: { description: 'paused' }, ...errors(400, 401, 404, 409) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/schedules/{id}/unpause',
    summary: 'Resume runs',
    ...authenticated,
    request: { params },
    responses: { 204: { description: 'resumed' }, ...errors(401, 404, 409) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/schedules/{id}/trigger',
    summary: 'One run now, paused or not; 409 while a run is going',
    ...authenticated,
    request: { params },
    responses: { 202: json(ScheduleTriggered, 'a run starts; it appears in GET /v1/tasks'), ...errors(401, 404, 409) },
  });
}
