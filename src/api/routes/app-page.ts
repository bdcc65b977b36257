import fs from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';

/** `npm run build` (and the dev command, and the browser tests) bundle src/web here (src/web/build.ts). */
export const WEB_DIST = path.resolve(__dirname, '../../../dist/web');

/** Built asset names: a flat directory, so a name with a slash or `..` is never a file of ours. */
const ASSET = /^[\w-]+\.(js|css|map|svg)$/;

/**
 * No inline script, no eval, nothing from another origin; `frame-ancestors` names who may embed the
 * page in an iframe (MAILROOM_APP_FRAME_ANCESTORS).
 */
const contentSecurityPolicy = (frameAncestors: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');

/** The end user's task page: `GET /app/` and its bundled assets, each under a strict CSP. */
export function appPageRoutes({ settings }: ApiDeps): Router {
  const router = Router();
  const csp = contentSecurityPolicy(settings.appFrameAncestors);
  const secure = (res: Response) =>
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });

  router.get('/app/', (_req, res) => {
    secure(res).set('Cache-Control', 'no-store');
    send(res, 'index.html');
  });
  router.get('/app/assets/:file', (req, res) => {
    const file = req.params.file;
    if (!ASSET.test(file)) throw new HttpError(404, 'not_found', 'no such asset');
    secure(res).set('Cache-Control', 'no-cache');
    send(res, file);
  });
  return router;
}

function send(res: Response, file: string): void {
  const full = path.join(WEB_DIST, file);
  if (!fs.existsSync(WEB_DIST))
    throw new HttpError(503, 'not_built', 'the task page is not built: run `npm run build` (or `npm run dev`)');
  if (!fs.existsSync(full)) throw new HttpError(404, 'not_found', 'no such asset');
  res.sendFile(full);
}
