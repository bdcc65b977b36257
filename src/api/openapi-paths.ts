import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { authenticated, errors, json, jsonBody } from './openapi-helpers';
import {
  CancelAccepted,
  Health,
  Newsletter,
  NewsletterList,
  NotificationList,
  Readiness,
  TaskEvent,
  TaskList,
  TaskStarted,
  TaskView,
} from './response-schemas';
import {
  ContactsCsv,
  ExportRequest,
  IdempotencyKey,
  NewsletterDraft,
  NewsletterListQuery,
  NotificationId,
  NotificationListQuery,
  TaskId,
  TaskListQuery,
} from './schemas';

const idempotency = z.object({ 'Idempotency-Key': IdempotencyKey.optional() });
const taskPath = z.object({ taskId: TaskId });
const started = {
  200: json(TaskStarted, 'the task this Idempotency-Key already started'),
  202: json(TaskStarted, 'started; follow links.self'),
};

/** The routes of src/api/routes/{health,downloads,newsletters,exports,tasks,task-events,notifications,contacts}.ts. */
export function describeCoreRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    responses: { 200: json(Health, 'up') },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Temporal and the database answer',
    responses: { 200: json(Readiness, 'ready'), 503: json(Readiness, 'a dependency is down, named in `down`') },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This description',
    responses: { 200: json(z.object({ openapi: z.string() }).loose(), 'OpenAPI 3 document') },
  });
  registry.registerPath({
    method: 'get',
    path: '/downloads/{token}',
    summary: 'An export file behind its signed, expiring link (the link is the credential)',
    request: { params: z.object({ token: z.string().min(1).max(1000) }) },
    responses: {
      200: { description: 'the CSV file, as an attachment', content: { 'text/csv': { schema: z.string() } } },
      ...errors(403, 404, 410),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/newsletters',
    summary: 'The tenant’s newsletters, newest first',
    ...authenticated,
    request: { query: NewsletterListQuery },
    responses: { 200: json(NewsletterList, 'a page; pass `next` as `cursor` for the next one'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/newsletters',
    summary: 'Create a draft newsletter',
    ...authenticated,
    request: { body: jsonBody(NewsletterDraft) },
    responses: { 201: json(Newsletter, 'the new draft'), ...errors(400, 401, 413) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/exports',
    summary: 'Export a newsletter’s per-recipient statistics as CSV; the link is emailed and notified',
    ...authenticated,
    request: { headers: idempotency, body: jsonBody(ExportRequest) },
    responses: { ...started, ...errors(400, 401, 404, 413, 422) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/contacts/import',
    summary: 'Import contacts from CSV: created or updated by email; invalid rows reported by line',
    ...authenticated,
    request: { headers: idempotency, body: { required: true, content: { 'text/csv': { schema: ContactsCsv } } } },
    responses: { ...started, ...errors(400, 401, 413, 415, 422) },
  });

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
    request: { params: taskPath },
    responses: { 200: json(TaskView, 'the task'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/tasks/{taskId}/events',
    summary: 'The task’s progress as Server-Sent Events, until it closes',
    ...authenticated,
    request: { params: taskPath },
    responses: {
      200: {
        description: 'an event stream; the schema is that of one event',
        content: { 'text/event-stream': { schema: TaskEvent } },
      },
      204: { description: 'a reconnect to a task that has closed: nothing more will come' },
      ...errors(400, 401, 404),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/tasks/{taskId}/cancel',
    summary: 'Stop the task: its partial files are removed, it then reads CANCELED',
    ...authenticated,
    request: { params: taskPath },
    responses: { 202: json(CancelAccepted, 'cancellation requested'), ...errors(400, 401, 404, 409) },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/notifications',
    summary: 'The caller’s unread “task finished / failed / cancelled” messages, newest first',
    ...authenticated,
    request: { query: NotificationListQuery },
    responses: { 200: json(NotificationList, 'unread notifications'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/notifications/{notificationId}/read',
    summary: 'Mark one notification read',
    ...authenticated,
    request: { params: z.object({ notificationId: NotificationId }) },
    responses: { 204: { description: 'read (again)' }, ...errors(400, 401, 404) },
  });
}
