import type { Request, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { findUserByApiKey } from '../db/queries/users';
import { findWebSession } from '../db/queries/web-sessions';
import type { DatabaseSchema } from '../db/schema';
import type { Caller } from '../services/caller';
import { HttpError } from './errors';
import { CSRF_HEADER, csrfValid, isSafeMethod, sessionToken } from './web-session';

const callers = new WeakMap<Request, Caller>();

/**
 * Resolves the calling user, 401 otherwise: `Authorization: Bearer <key>` for programs, or the task page's
 * session cookie, whose unsafe requests must also carry the CSRF header (403 without it).
 */
export function requireApiKey(db: Kysely<DatabaseSchema>): RequestHandler {
  return async (req, _res, next) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match)
        return next(new HttpError(401, 'unauthenticated', 'send an API key as "Authorization: Bearer <key>"'));
      const user = await findUserByApiKey(db, match[1]!);
      if (!user) return next(new HttpError(401, 'unauthenticated', 'unknown API key'));
      callers.set(req, { tenantId: user.tenant_id, userId: user.id, email: user.email });
      return next();
    }
    const token = sessionToken(req);
    if (!token)
      return next(
        new HttpError(401, 'unauthenticated', 'send an API key as "Authorization: Bearer <key>", or sign in at /app/'),
      );
    const session = await findWebSession(db, token);
    if (!session) return next(new HttpError(401, 'unauthenticated', 'the session has expired or ended; sign in again'));
    if (!isSafeMethod(req.method) && !csrfValid(req, token))
      return next(
        new HttpError(403, 'csrf_token_invalid', `send the ${CSRF_HEADER} header that GET /app/session gives`),
      );
    const { user } = session;
    callers.set(req, { tenantId: user.tenant_id, userId: user.id, email: user.email });
    next();
  };
}

export function caller(req: Request): Caller {
  const found = callers.get(req);
  if (!found) throw new Error('caller() used on a route without requireApiKey');
  return found;
}
