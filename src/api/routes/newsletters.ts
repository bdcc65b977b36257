import { Router } from 'express';
import type { z } from 'zod';
import { listNewsletters } from '../../db/queries/newsletters';
import { caller } from '../auth';
import type { ApiDeps, ApiServices } from '../deps';
import { idempotencyKeyOf } from '../idempotency';
import { id, NewsletterDraft, NewsletterListQuery } from '../schemas/requests';
import type { Newsletter } from '../schemas/responses';
import { respondTaskStarted } from '../task-started';
import { parseRequest } from '../validate';

/** `/v1/newsletters`: the tenant's drafts and newsletters, and sending one. */
export function newsletterRoutes({ database }: ApiDeps, { sends, newsletters }: ApiServices): Router {
  const router = Router();
  router.get('/v1/newsletters', async (req, res) => {
    const query = parseRequest(NewsletterListQuery, req.query, 'query');
    res.json(await listNewsletters(database.db, caller(req).tenantId, { limit: query.limit, beforeId: query.cursor }));
  });
  router.post('/v1/newsletters', async (req, res) => {
    const draft = parseRequest(NewsletterDraft, req.body, 'body');
    const row = await newsletters.createDraft(caller(req), draft);
    const body: z.infer<typeof Newsletter> = {
      id: row.id,
      subject: row.subject,
      from: row.from_address,
      html: row.html,
      text: row.text,
      status: row.status,
      createdAt: row.created_at,
    };
    res.status(201).json(body);
  });
  router.post('/v1/newsletters/:newsletterId/send', async (req, res) => {
    const newsletterId = parseRequest(id, req.params.newsletterId, 'path');
    respondTaskStarted(res, await sends.start(caller(req), newsletterId, idempotencyKeyOf(req)));
  });
  return router;
}
