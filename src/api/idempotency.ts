import type { Request } from 'express';
import { IdempotencyKey } from './schemas/requests';
import { parseRequest } from './validate';

/** The request's `Idempotency-Key` header, validated; a bad one is a 400 naming the header. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  return parseRequest(IdempotencyKey, key, 'Idempotency-Key');
}
