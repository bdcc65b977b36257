import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ErrorBody, TaskStarted } from '../schemas/responses';

/** One area of the API describing its routes with the same zod schemas that validate them. */
export type RouteDescriber = (registry: OpenAPIRegistry) => void;

/** The `/v1` routes need an API key; a missing or unknown one is 401. */
export const authenticated: Pick<RouteConfig, 'security'> = { security: [{ apiKey: [] }] };

export const json = (schema: z.ZodType, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = (schema: z.ZodType): NonNullable<RouteConfig['request']>['body'] => ({
  required: true,
  content: { 'application/json': { schema } },
});

const ERROR_MEANINGS: Record<number, string> = {
  400: 'the request is invalid; the message names the field',
  401: 'no API key, or an unknown one',
  403: 'forbidden',
  404: 'no such resource for the caller (another user’s reads exactly like an unknown one)',
  409: 'conflicts with the resource’s state',
  410: 'gone',
  413: 'the body is larger than the limit',
  415: 'unsupported content type',
  422: 'the Idempotency-Key was already used with a different request',
  429: 'a limit of the tenant or user is reached (`limit`, `max` in the body); nothing was started; see Retry-After',
  503: 'a dependency is down',
};

/** The error answers a route can give, all `{error:{code,message}}`. */
export function errors(...codes: number[]): Record<number, ResponseConfig> {
  return Object.fromEntries(codes.map((code) => [code, json(ErrorBody, ERROR_MEANINGS[code] ?? 'error')]));
}

/** 202 for a new task, 200 for the one a repeated Idempotency-Key already started. */
export function taskStartedResponses(what: string): Record<number, ResponseConfig> {
  return {
    200: json(TaskStarted, 'the task this Idempotency-Key already started'),
    202: json(TaskStarted, `${what}; follow links.self`),
  };
}
