import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { caller } from '../api/auth';
import { httpDuration, httpRequests } from './api-metrics';

const loggers = new WeakMap<Request, Logger>();

/** Says which task a request started or reads (the workflow id), so its log lines carry it. */
export function noteRequestTask(res: Response, taskId: string): void {
  res.locals.taskId = taskId;
}

function joinFields(req: Request, res: Response): Record<string, unknown> {
  const taskId = (res.locals.taskId as string | undefined) ?? (req.params as { taskId?: string } | undefined)?.taskId;
  let tenantId: string | undefined;
  try {
    tenantId = caller(req).tenantId;
  } catch {
    // not authenticated (yet): a public route, or refused before its key was read
  }
  return { ...(tenantId ? { tenantId } : {}), ...(typeof taskId === 'string' ? { taskId } : {}) };
}

/** The request's logger: its id, and the tenant and task it concerns once known. */
export function requestLogger(req: Request, res: Response, fallback: Logger): Logger {
  const base = loggers.get(req) ?? fallback;
  return base.child(joinFields(req, res));
}

/** A route pattern, never the path: ids and signed tokens would make labels unbounded and leak into metrics. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

const QUIET = new Set(['/healthz', '/readyz']);

/**
 * Counts and times every request by route pattern and status class, and logs one line when it is
 * answered with its id, tenant and task: a task's story reads with one grep of its id, API and workers.
 */
export function observeRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = req.get('x-request-id')?.slice(0, 64) || crypto.randomBytes(8).toString('hex');
    loggers.set(req, logger.child({ requestId }));
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      httpRequests.inc({ method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` });
      httpDuration.observe({ method: req.method, route }, seconds);
      const line = requestLogger(req, res, logger);
      const fields = { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) };
      if (QUIET.has(req.path)) line.debug(fields, 'request');
      else line.info(fields, 'request');
    });
    next();
  };
}
