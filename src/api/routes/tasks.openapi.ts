import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { TaskList, TaskView } from '../../shared/views';
import { authenticated, errors, json } from '../openapi/helpers';
import { TaskId, TaskListQuery } from '../schemas/requests';
import { CancelAccepted, SendControlAccepted, TaskEvent } from '../schemas/responses';

/** The routes of tasks.ts. */
export function describeTaskRoutes(registry: OpenAPIRegistry): void {
  const params = z.object({ taskId: TaskId });
  registry.registerPath({
    method: 'get',
    path: '/v1/tasks',
    summary: 'The caller’s tasks, newest first',
    ...authenticated,
    request: { query: TaskListQuery },
    responses: { 200: json(TaskList, 'a page; pass `next` as `cursor` for the next one'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/tasks/{taskId}',
    summary: 'One of the caller’s tasks',
    ...authenticated,
    request: { params },
    responses: { 200: json(TaskView, 'the task'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/tasks/{taskId}/events',
    summary: 'The task’s progress as Server-Sent Events, until it closes',
    ...authenticated,
    request: { params },
    responses: {
      200: {
        description: 'an event stream; the schema is that of one event',
        content: { 'text/event-stream': { schema: TaskEvent } },
      },
      204: { description: 'a reconnect to a task that has closed: nothing more will come' },
      ...errors(400, 401, 404, 429),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/tasks/{taskId}/cancel',
    summary: 'Stop the task: its partial files are removed, it then reads CANCELED',
    ...authenticated,
    request: { params },
    responses: { 202: json(CancelAccepted, 'cancellation requested'), ...errors(400, 401, 404, 409) },
  });
  for (const action of ['pause', 'resume'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/v1/tasks/{taskId}/${action}`,
      summary: `${action === 'pause' ? 'Pause' : 'Resume'} a running send`,
      ...authenticated,
      request: { params },
      responses: { 202: json(SendControlAccepted(action), 'signalled'), ...errors(400, 401, 404, 409) },
    });
  }
}
