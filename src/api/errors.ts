import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import {
  DependencyUnavailable,
  DomainError,
  IdempotencyConflict,
  InvalidField,
  LimitExceeded,
  NotFound,
  StateConflict,
} from '../services/errors';
import { dependencyUnavailable, tasksRefused } from '../observability/api-metrics';
import { requestLogger } from '../observability/request-observer';
import { isDatabaseUnreachable } from '../db/reachability';
import { isTemporalUnreachable } from '../temporal/reachability';

/** An answer to the client: status, a stable code, and a message that names the problem. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** More named fields of the error body, and headers of the answer (e.g. a 429's limit and Retry-After). */
    readonly more: { fields?: Record<string, unknown>; headers?: Record<string, string> } = {},
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
  if (error instanceof LimitExceeded) {
    tasksRefused.inc({ limit: error.limit });
    return new HttpError(429, error.code, error.message, undefined, {
      fields: { limit: error.limit, max: error.max },
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    });
  }
  if (isTemporalUnreachable(error)) return asHttpError(new DependencyUnavailable('Temporal', 5));
  if (isDatabaseUnreachable(error)) return asHttpError(new DependencyUnavailable('the database', 5));
  if (error instanceof DependencyUnavailable) {
    dependencyUnavailable.inc({ dependency: error.dependency });
    return new HttpError(503, error.code, error.message, undefined, {
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    });
  }
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

/**
 * The client went away mid-request (a download stopped, an upload abandoned, a stream closed): its own
 * doing, not a fault of ours. Told by its socket being gone, not by an error code, which a database or
 * Temporal connection could raise too while the client still waits for an answer.
 */
const clientGone = (req: Request, res: Response): boolean => req.socket.destroyed || res.destroyed;

/** A path as logged: the signed tokens of links are credentials and stay out of logs. */
const loggedPath = (path: string) => path.replace(/^\/(downloads|unsubscribe)\/[^/]+/, '/$1/…');

/** Every error leaves as `{error:{code,message}}`; a real fault is logged and never shows its stack. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    // The request's own logger: its id, tenant and task on the line.
    const log = requestLogger(req, res, logger);
    if (clientGone(req, res)) {
      const e = error as { code?: unknown; message?: unknown } | undefined;
      const reason = String(e?.code ?? e?.message ?? 'closed');
      log.debug({ method: req.method, path: loggedPath(req.path), reason }, 'client disconnected');
      return void res.destroy();
    }
    const known = asHttpError(error);
    if (!known) log.error({ err: error, method: req.method, path: loggedPath(req.path) }, 'request failed');
    const status = known?.status ?? 500;
    const body = known
      ? {
          code: known.code,
          message: known.message,
          ...known.more.fields,
          ...(known.details === undefined ? {} : { details: known.details }),
        }
      : { code: 'internal', message: 'internal server error' };
    if (res.headersSent) return void res.end();
    res
      .status(status)
      .set(known?.more.headers ?? {})
      .json({ error: body });
  };
}
