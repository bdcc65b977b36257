import express, { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { findUser, findUserByApiKey } from '../../db/queries/users';
import { createWebSession, deleteWebSession, findWebSession, useLoginLink } from '../../db/queries/web-sessions';
import type { UserTable } from '../../db/schema';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { SignIn } from '../schemas/session';
import type { SessionView } from '../schemas/session';
import { parseRequest } from '../validate';
import {
  clearSessionCookie,
  cookieNeedsHttps,
  CSRF_HEADER,
  csrfTokenOf,
  csrfValid,
  SESSION_TTL_MS,
  sessionToken,
  setSessionCookie,
} from '../web-session';

const view = (user: UserTable, token: string, expiresAt: string): z.infer<typeof SessionView> => ({
  email: user.email,
  tenantId: user.tenant_id,
  csrfToken: csrfTokenOf(token),
  expiresAt,
});

/**
 * `/app/session`: the task page trades an API key or a one-time sign-in token (never in a URL the server
 * sees) for a session cookie, reads who it is and its CSRF token, and signs out.
 */
export function sessionRoutes({ database, settings }: ApiDeps): Router {
  const router = Router();
  const db = database.db;
  const secure = (req: Request) => cookieNeedsHttps(req, settings.publicBaseUrl);

  router.get('/app/session', async (req, res) => {
    const token = sessionToken(req);
    const session = token ? await findWebSession(db, token) : undefined;
    if (!token || !session) throw new HttpError(401, 'unauthenticated', 'not signed in');
    noStore(res).json(view(session.user, token, session.expiresAt));
  });

  // Only JSON is read: a cross-site form cannot send it, so nobody is signed in to another's account.
  router.post('/app/session', express.json({ limit: '4kb' }), async (req, res) => {
    if (!req.is('application/json'))
      throw new HttpError(415, 'unsupported_media_type', 'send {"apiKey"} or {"loginToken"} as application/json');
    const body = parseRequest(SignIn, req.body, 'body');
    const user = await signingIn(body);
    if (!user) {
      throw new HttpError(
        401,
        'unauthenticated',
        'apiKey' in body ? 'unknown API key' : 'this sign-in link is unknown, used or expired',
      );
    }
    const { token, expiresAt } = await createWebSession(db, user.id, SESSION_TTL_MS);
    setSessionCookie(res, token, expiresAt, secure(req));
    noStore(res).json(view(user, token, expiresAt));
  });

  router.delete('/app/session', async (req: Request, res) => {
    const token = sessionToken(req);
    if (token && (await findWebSession(db, token))) {
      if (!csrfValid(req, token))
        throw new HttpError(403, 'csrf_token_invalid', `send the ${CSRF_HEADER} header that GET /app/session gives`);
      await deleteWebSession(db, token);
    }
    clearSessionCookie(res, secure(req));
    res.status(204).end();
  });

  async function signingIn(body: SignIn): Promise<UserTable | undefined> {
    if ('apiKey' in body) return findUserByApiKey(db, body.apiKey);
    const userId = await useLoginLink(db, body.loginToken);
    return userId ? findUser(db, userId) : undefined;
  }
  return router;
}

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');
