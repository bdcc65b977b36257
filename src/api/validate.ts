import type { z } from 'zod';
import { HttpError } from './errors';

/** Parses a request part; a failure is a 400 whose message names the first offending field. */
export function parseRequest<T extends z.ZodType>(
  schema: T,
  value: unknown,
  part: 'body' | 'query' | 'path' | 'Idempotency-Key',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ field: issue.path.join('.') || part, message: issue.message }));
  const first = issues[0]!;
  throw new HttpError(400, 'invalid_request', `${first.field}: ${first.message}`, issues);
}
