import { Router } from 'express';
import { createNewsletter, listNewsletters } from '../../db/queries/newsletters';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { NewsletterDraft, NewsletterListQuery } from '../schemas';
import { parseRequest } from '../validate';

export function newsletterRoutes({ database }: ApiDeps): Router {
  const router = Router();
  router.get('/v1/newsletters', async (req, res) => {
    const query = parseRequest(NewsletterListQuery, req.query, 'query');
    res.json(await listNewsletters(database.db, caller(req).tenantId, { limit: query.limit, beforeId: query.cursor }));
  });
  router.post('/v1/newsletters', async (req, res) => {
    const draft = parseRequest(NewsletterDraft, req.body, 'body');
    const row = await createNewsletter(database.db, { tenantId: caller(req).tenantId, ...draft });
    res.status(201).json({
      id: row.id,
      subject: row.subject,
      from: row.from_address,
      html: row.html,
      text: row.text,
      status: row.status,
      createdAt: row.created_at,
    });
  });
  return router;
}
