import { z } from 'zod';
import { TaskKind, TaskStatus } from './schemas';

/**
 * What the API answers, as zod schemas: they produce the OpenAPI description of each response, and tests
 * (and the schemathesis fuzz) hold the real answers against them, so handlers and docs cannot drift.
 */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable, machine-readable: not_found, invalid_request, unauthenticated, …'),
      message: z.string().describe('names the problem, and the field for a 400'),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const Progress = z
  .object({ phase: z.string(), done: z.number().int().min(0), total: z.number().int().min(0) })
  .meta({ id: 'Progress' });

const TaskLinks = z.object({ self: z.string() });

export const TaskStarted = z
  .object({ taskId: z.string(), kind: TaskKind, status: z.literal('RUNNING'), links: TaskLinks })
  .meta({ id: 'TaskStarted' });

export const ExportResult = z
  .object({
    exportId: z.string(),
    rows: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    downloadUrl: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'ExportResult' });

export const ImportResult = z
  .object({
    rows: z.number().int().describe('data rows read (the header and empty lines excluded)'),
    imported: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    invalid: z.number().int(),
    invalidRows: z
      .array(z.object({ line: z.number().int(), reason: z.string() }))
      .max(100)
      .describe('the first invalid rows'),
  })
  .meta({ id: 'ImportResult' });

export const SendResult = z
  .object({
    newsletterId: z.number().int(),
    total: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    resent: z.number().int(),
    cancelled: z.number().int(),
  })
  .meta({ id: 'SendResult' });

export const TaskView = z
  .object({
    taskId: z.string(),
    kind: TaskKind,
    status: TaskStatus,
    progress: Progress,
    result: z
      .union([ExportResult, ImportResult, SendResult])
      .optional()
      .describe('once COMPLETED; its shape follows the kind'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .describe('once FAILED, CANCELED, TERMINATED or TIMED_OUT'),
    startedAt: z.string(),
    closedAt: z.string().optional(),
    links: TaskLinks,
  })
  .meta({ id: 'Task' });

export const TaskList = z.object({ items: z.array(TaskView), next: z.string().optional() }).meta({ id: 'TaskList' });

export const CancelAccepted = z
  .object({
    taskId: z.string(),
    cancelRequested: z.literal(true),
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .meta({ id: 'CancelAccepted' });

/** The data of a `progress` event: what changed, without the rest of the task. */
export const TaskProgress = z
  .object({ taskId: z.string(), status: z.literal('RUNNING'), progress: Progress })
  .meta({ id: 'TaskProgress' });

/** A JSON payload inside an event's `data` line, validated by its own schema (JSON Schema's content keywords). */
const jsonData = (ref: string) =>
  z.string().meta({ contentMediaType: 'application/json', contentSchema: { $ref: `#/components/schemas/${ref}` } });

/**
 * One Server-Sent Event of `GET /v1/tasks/{taskId}/events`: `progress` when status or progress changed,
 * then one `end` carrying the closed Task, after which the stream closes; `error` if the task could not be
 * read (reconnect). `: heartbeat` comment lines keep proxies from closing an idle stream.
 */
export const TaskEvent = z.union([
  z.object({ event: z.literal('progress'), id: z.string(), data: jsonData('TaskProgress') }),
  z.object({ event: z.literal('end'), id: z.string(), data: jsonData('Task') }),
  z.object({ event: z.literal('error'), data: jsonData('Error') }),
]);

export const Notification = z
  .object({
    id: z.string(),
    taskId: z.string(),
    kind: z.string(),
    message: z.string(),
    link: z.string().optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });

export const NotificationList = z.object({ items: z.array(Notification) }).meta({ id: 'NotificationList' });

export const NewsletterSummary = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    status: z.enum(['draft', 'sending', 'sent']),
    recipients: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'NewsletterSummary' });

export const NewsletterList = z
  .object({ items: z.array(NewsletterSummary), next: z.number().int().optional() })
  .meta({ id: 'NewsletterList' });

export const Newsletter = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    from: z.string().nullable(),
    html: z.string(),
    text: z.string().nullable(),
    status: z.enum(['draft', 'sending', 'sent']),
    createdAt: z.string(),
  })
  .meta({ id: 'Newsletter' });

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.union([
  z.object({ status: z.literal('ready') }),
  z.object({ status: z.literal('unavailable'), down: z.array(z.enum(['database', 'temporal'])) }),
]);
