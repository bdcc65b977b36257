import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError, IdempotencyConflict, InvalidField, NotFound, StateConflict } from '../services/errors';

/** An answer to the client: status, a stable code, and a message that names the problem. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

/** The one place where what a service refuses becomes an HTTP status. */
function statusOf(error: DomainError): number {
  if (error instanceof NotFound) return 404;
  if (error instanceof InvalidField) return 400;
  if (error instanceof IdempotencyConflict) return 422;
  if (error instanceof StateConflict) return 409;
  return 400;
}

function asHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) return new HttpError(statusOf(error), error.code, error.message);
  const e = error as { type?: string; status?: number; expose?: boolean; message?: string } | undefined;
  if (e?.type === 'entity.parse.failed')
    return new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  if (e?.type === 'entity.too.large') return new HttpError(413, 'too_large', 'the request body is too large');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'bad_request', String(e.expose ? e.message : 'bad request'));
  }
  return undefined;
}

/** Every error leaves as `{error:{code,message}}`; a real fault is logged and never shows its stack. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = asHttpError(error);
    if (!known) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    const status = known?.status ?? 500;
    const body = known
      ? { code: known.code, message: known.message, ...(known.details === undefined ? {} : { details: known.details }) }
      : { code: 'internal', message: 'internal server error' };
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: body });
  };
}
