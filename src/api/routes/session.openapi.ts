import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errors, json, jsonBody } from '../openapi/helpers';
import { SessionView, SignIn } from '../schemas/session';

/** The routes of session.ts and app-page.ts: the end user's task page and its cookie session. */
export function describeSessionRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/app/',
    summary: 'The task page (HTML) for the signed-in user, under a strict Content-Security-Policy',
    responses: {
      200: { description: 'the page', content: { 'text/html': { schema: z.string() } } },
      ...errors(503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/app/assets/{file}',
    summary: 'A bundled script or style sheet of the task page',
    request: { params: z.object({ file: z.string().min(1).max(200) }) },
    responses: {
      200: {
        description: 'the asset',
        content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
      },
      ...errors(404, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/app/session',
    summary: 'Who the session cookie signs in, and the CSRF token its unsafe requests must carry',
    responses: { 200: json(SessionView, 'signed in'), ...errors(401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/app/session',
    summary:
      'Sign in: an API key or a one-time sign-in token for an HttpOnly, SameSite=Strict session cookie; ' +
      'the /v1 routes then accept the cookie (with the X-CSRF-Token header on POST, PATCH and DELETE)',
    request: { body: jsonBody(SignIn) },
    responses: {
      200: {
        ...json(SessionView, 'signed in; the cookie is set'),
        headers: { 'Set-Cookie': { description: 'mailroom_session', schema: { type: 'string' } } },
      },
      ...errors(400, 401, 413, 415),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/app/session',
    summary: 'Sign out: the session ends and its cookie is cleared (X-CSRF-Token required while signed in)',
    responses: { 204: { description: 'signed out' }, ...errors(403) },
  });
}
