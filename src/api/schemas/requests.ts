import { z } from 'zod';
import { TaskKind, TaskStatus } from '../../shared/views';

/**
 * One schema per message: it validates the request, types the handler, and (through zod-to-openapi)
 * describes the route, so the three cannot drift.
 */
export const id = z.coerce.number().int().positive().max(2_147_483_647);

// A NUL, or half of a UTF-16 surrogate pair (text that is not Unicode), is what these patterns are for.
// eslint-disable-next-line no-control-regex
const NOT_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for text both databases store as given: no NUL (PostgreSQL refuses it), no lone surrogate. */
export const isText = (value: string): boolean => !NOT_TEXT.test(value);

/**
 * Every string a request carries goes through this: NUL or invalid Unicode is a 400 naming the field, on
 * SQLite and PostgreSQL alike, before anything is stored or queried.
 */
export const text = () =>
  z.string().refine(isText, 'must be text: no NUL character and no invalid Unicode (lone surrogate)');

/**
 * The opaque `cursor` of a list: text, and text once decoded too (it carries a position that is compared
 * in SQL). Its shape is checked where it is read (`src/services/page-cursor.ts`).
 */
export const PageCursor = text().max(500).refine(cursorCarriesText, 'not a cursor returned by this API');

function cursorCarriesText(cursor: string): boolean {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return true; // not JSON: the service refuses it with the same words
  }
  return !Array.isArray(decoded) || decoded.every((part) => typeof part !== 'string' || isText(part));
}

export const ExportRequest = z.strictObject({
  newsletterId: z.number().int().positive().max(2_147_483_647),
});

export const NewsletterDraft = z.strictObject({
  subject: text().trim().min(1).max(300),
  html: text().min(1).max(1_000_000),
  text: text().max(1_000_000).optional(),
  from: text().trim().min(3).max(320).regex(/@/, 'expected an email address').optional(),
});

// Scheduled runs' ids end in Temporal's RFC 3339 time, hence the colon.
export const TaskId = text()
  .min(1)
  .max(300)
  .regex(/^[\w.:-]+$/, 'not a task id');

export const TaskListQuery = z.strictObject({
  status: TaskStatus.optional(),
  kind: TaskKind.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: PageCursor.optional(),
});

export const NewsletterListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: id.optional(),
});

export const IdempotencyKey = text()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const NotificationId = text()
  .min(1)
  .max(100)
  .regex(/^ntf_[\w-]+$/, 'not a notification id');

export const NotificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

/** The body of `POST /v1/contacts/import`: CSV text, streamed to a file, never parsed here. */
export const ContactsCsv = text()
  .min(1)
  .describe('CSV: email, first name, last name (further columns ignored), an optional header row naming them');

/** The optional header of every POST that starts a task. */
export const IdempotencyHeaders = z.object({ 'Idempotency-Key': IdempotencyKey.optional() });
