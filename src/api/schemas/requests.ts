import { z } from 'zod';
import { TaskKind, TaskStatus } from '../../shared/views';

/**
 * One schema per message: it validates the request, types the handler, and (through zod-to-openapi)
 * describes the route, so the three cannot drift.
 */
export const id = z.coerce.number().int().positive().max(2_147_483_647);

export const ExportRequest = z.strictObject({
  newsletterId: z.number().int().positive().max(2_147_483_647),
});

export const NewsletterDraft = z.strictObject({
  subject: z.string().trim().min(1).max(300),
  html: z.string().min(1).max(1_000_000),
  text: z.string().max(1_000_000).optional(),
  from: z.string().trim().min(3).max(320).regex(/@/, 'expected an email address').optional(),
});

// Scheduled runs' ids end in Temporal's RFC 3339 time, hence the colon.
export const TaskId = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[\w.:-]+$/, 'not a task id');

export const TaskListQuery = z.strictObject({
  status: TaskStatus.optional(),
  kind: TaskKind.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});

export const NewsletterListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: id.optional(),
});

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const NotificationId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^ntf_[\w-]+$/, 'not a notification id');

export const NotificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

/** The body of `POST /v1/contacts/import`: CSV text, streamed to a file, never parsed here. */
export const ContactsCsv = z
  .string()
  .min(1)
  .describe('CSV: email, first name, last name (further columns ignored), an optional header row naming them');

/** The optional header of every POST that starts a task. */
export const IdempotencyHeaders = z.object({ 'Idempotency-Key': IdempotencyKey.optional() });
