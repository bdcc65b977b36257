import crypto from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Request, Response } from 'express';

/** The task page's session: an HttpOnly cookie the page's script never reads. */
export const SESSION_COOKIE = 'mailroom_session';
/** Unsafe requests made with the session cookie carry this header (from `GET /app/session`). */
export const CSRF_HEADER = 'X-CSRF-Token';
/** How long a browser stays signed in. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** How long a one-time sign-in link may wait to be used. */
export const LOGIN_LINK_TTL_MS = 15 * 60_000;

export const sessionToken = (req: Request): string | undefined => {
  const header = req.get('cookie');
  return header ? parse(header)[SESSION_COOKIE] || undefined : undefined;
};

/**
 * The CSRF token is an HMAC of the session token: a page can only learn it from the session endpoint,
 * which another site cannot read (same-origin policy), and nothing more needs storing.
 */
export const csrfTokenOf = (session: string): string =>
  crypto.createHmac('sha256', session).update('mailroom csrf').digest('base64url');

export function csrfValid(req: Request, session: string): boolean {
  const given = Buffer.from(req.get(CSRF_HEADER) ?? '');
  const expected = Buffer.from(csrfTokenOf(session));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

export const isSafeMethod = (method: string): boolean => ['GET', 'HEAD', 'OPTIONS'].includes(method);

/**
 * Plain HTTP is allowed on a loopback host only (development); anywhere else, or whenever the public
 * origin is HTTPS (behind a proxy that calls us as localhost), the cookie needs HTTPS.
 */
export const cookieNeedsHttps = (req: Request, publicBaseUrl: string): boolean =>
  publicBaseUrl.startsWith('https:') || !['localhost', '127.0.0.1', '::1', '[::1]'].includes(req.hostname);

export function setSessionCookie(res: Response, token: string, expiresAt: string, secure: boolean): void {
  res.append(
    'Set-Cookie',
    serialize(SESSION_COOKIE, token, {
      httpOnly: true,
      secure,
      sameSite: 'strict',
      path: '/',
      expires: new Date(expiresAt),
    }),
  );
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append(
    'Set-Cookie',
    serialize(SESSION_COOKIE, '', { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: 0 }),
  );
}
