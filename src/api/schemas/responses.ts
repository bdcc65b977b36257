import { z } from 'zod';
import type { NewsletterSummary as NewsletterSummaryRow } from '../../db/queries/newsletters';
import { NEWSLETTER_STATUSES } from '../../db/schema';
import { Progress, TaskKind, TaskStatus } from '../../shared/views';

/**
 * What only the API answers, as zod schemas (the views services return are in `src/shared/views.ts`): they
 * produce the OpenAPI description of each response, and tests (and the schemathesis fuzz) hold the real
 * answers against them, so handlers and docs cannot drift.
 */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable, machine-readable: not_found, invalid_request, unauthenticated, …'),
      message: z.string().describe('names the problem, and the field for a 400'),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      limit: z
        .string()
        .optional()
        .describe('with a 429: the limit reached (exports, sends, imports, schedules, export_bytes, event_streams)'),
      max: z.number().optional().describe('with a 429: its value for this tenant or user'),
    }),
  })
  .meta({ id: 'Error' });

const TaskLinks = z.object({ self: z.string() });

export const TaskStarted = z
  .object({ taskId: z.string(), kind: TaskKind, status: z.literal('RUNNING'), links: TaskLinks })
  .meta({ id: 'TaskStarted' });

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

const count = z.number().int().min(0).optional();

export const NotificationOutcome = z
  .object({
    status: TaskStatus.exclude(['RUNNING']),
    errorCode: z.string().optional().describe('the task’s error.code, when it did not complete'),
    rows: count.describe('export: rows written'),
    bytes: count.describe('export: file size'),
    imported: count.describe('import: contacts created or updated'),
    invalid: count.describe('import: rows skipped as invalid'),
    sent: count.describe('send'),
    failed: count.describe('send'),
    skipped: count.describe('send'),
    cancelled: count.describe('send: recipients never handed to SMTP'),
  })
  .meta({ id: 'NotificationOutcome' });

export const Notification = z
  .object({
    id: z.string(),
    taskId: z.string(),
    kind: z.string(),
    message: z.string().describe('in English; a front end in another language words it from `outcome`'),
    link: z.string().optional(),
    outcome: NotificationOutcome.optional().describe(
      'how the task ended, as figures and codes (absent for notifications older than this field)',
    ),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });

export const NotificationList = z.object({ items: z.array(Notification) }).meta({ id: 'NotificationList' });

export const NewsletterSummary = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    status: z.enum(NEWSLETTER_STATUSES),
    recipients: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'NewsletterSummary' }) satisfies z.ZodType<NewsletterSummaryRow>;

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
    status: z.enum(NEWSLETTER_STATUSES),
    createdAt: z.string(),
  })
  .meta({ id: 'Newsletter' });

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.union([
  z.object({ status: z.literal('ready') }),
  z.object({ status: z.literal('unavailable'), down: z.array(z.enum(['database', 'temporal'])) }),
]);

export const ScheduleTriggered = z
  .object({
    id: z.string(),
    status: z.literal('TRIGGERED'),
    links: z.object({ schedule: z.string(), tasks: z.string() }),
  })
  .meta({ id: 'ScheduleTriggered' });

export const SendControlAccepted = (action: 'pause' | 'resume') =>
  z.object({ taskId: z.string(), action: z.literal(action) });
