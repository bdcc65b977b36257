import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

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

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

/** Every error leaves as `{error:{code,message}}`; a real fault is logged and never shows its stack. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let status = 500;
    let body: { code: string; message: string; details?: unknown } = {
      code: 'internal',
      message: 'internal server error',
    };
    if (error instanceof HttpError) {
      status = error.status;
      body = {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    } else if (error?.type === 'entity.parse.failed') {
      status = 400;
      body = { code: 'invalid_json', message: 'the request body is not valid JSON' };
    } else if (error?.type === 'entity.too.large') {
      status = 413;
      body = { code: 'too_large', message: 'the request body is too large' };
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      status = error.status;
      body = { code: 'bad_request', message: String(error.expose ? error.message : 'bad request') };
    } else {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    }
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: body });
  };
}
