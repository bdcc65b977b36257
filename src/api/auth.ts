import type { Request, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { findUserByApiKey } from '../db/queries/users';
import type { DatabaseSchema } from '../db/schema';
import type { Caller } from '../services/caller';
import { HttpError } from './errors';

const callers = new WeakMap<Request, Caller>();

/** Resolves `Authorization: Bearer <key>` to the calling user; 401 otherwise. */
export function requireApiKey(db: Kysely<DatabaseSchema>): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) return next(new HttpError(401, 'unauthenticated', 'send an API key as "Authorization: Bearer <key>"'));
    const user = await findUserByApiKey(db, match[1]!);
    if (!user) return next(new HttpError(401, 'unauthenticated', 'unknown API key'));
    callers.set(req, { tenantId: user.tenant_id, userId: user.id, email: user.email });
    next();
  };
}

export function caller(req: Request): Caller {
  const found = callers.get(req);
  if (!found) throw new Error('caller() used on a route without requireApiKey');
  return found;
}
