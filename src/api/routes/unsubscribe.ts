import { Router } from 'express';
import { unsubscribeContact } from '../../db/queries/contacts';
import { NotFound } from '../../services/errors';
import { verifyUnsubscribeToken } from '../../storage/unsubscribe-links';
import type { ApiDeps } from '../deps';

/** The `List-Unsubscribe` target: a signed link per contact, GET from a mail client or one-click POST (RFC 8058). */
export function unsubscribeRoutes({ database, settings }: ApiDeps): Router {
  const router = Router();
  const unsubscribe = async (token: string) => {
    const claim = verifyUnsubscribeToken(token, settings.linkSecret);
    if (!claim) throw new NotFound('unsubscribe link');
    await unsubscribeContact(database.db, claim.tenantId, claim.contactId);
  };
  router.get('/unsubscribe/:token', async (req, res) => {
    await unsubscribe(req.params.token);
    res.type('text/plain').send('You are unsubscribed and will receive no more newsletters from this sender.\n');
  });
  router.post('/unsubscribe/:token', async (req, res) => {
    await unsubscribe(req.params.token);
    res.status(204).end();
  });
  return router;
}
