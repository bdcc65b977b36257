import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { authenticated, errors, json, jsonBody, taskStartedResponses } from '../openapi/helpers';
import { id, IdempotencyHeaders, NewsletterDraft, NewsletterListQuery } from '../schemas/requests';
import { Newsletter, NewsletterList } from '../schemas/responses';

/** The routes of newsletters.ts. */
export function describeNewsletterRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/newsletters',
    summary: 'The tenant’s newsletters, newest first',
    ...authenticated,
    request: { query: NewsletterListQuery },
    responses: { 200: json(NewsletterList, 'a page; pass `next` as `cursor` for the next one'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/newsletters',
    summary: 'Create a draft newsletter',
    ...authenticated,
    request: { body: jsonBody(NewsletterDraft) },
    responses: { 201: json(Newsletter, 'the new draft'), ...errors(400, 401, 413) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/newsletters/{newsletterId}/send',
    summary: 'Send a draft newsletter to its subscribed contacts (once per newsletter)',
    ...authenticated,
    request: {
      params: z.object({ newsletterId: id }),
      headers: IdempotencyHeaders,
    },
    responses: { ...taskStartedResponses('sending'), ...errors(400, 401, 404, 409, 422, 429) },
  });
}
