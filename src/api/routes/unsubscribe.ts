import { Router, type Response } from 'express';
import { unsubscribeContact } from '../../db/queries/contacts';
import { NotFound } from '../../services/errors';
import { verifyUnsubscribeToken } from '../../storage/unsubscribe-links';
import type { ApiDeps } from '../deps';

/**
 * What the pages may do: show themselves (inline style) and post their one form back here. No script, no
 * other origin, no framing; the link is a credential, so it is neither cached nor sent on as a referrer.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c as '&' | '<' | '>' | '"' | "'"],
  );

function page(res: Response, title: string, body: string): void {
  res
    .status(200)
    .set(PAGE_HEADERS)
    .type('text/html; charset=utf-8')
    .send(
      [
        '<!doctype html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        `<title>${escapeHtml(title)}</title>`,
        '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}',
        'button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style>',
        `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
      ].join('\n'),
    );
}

/**
 * The `List-Unsubscribe` target (RFC 8058). A GET, which mail scanners and link previews make on their
 * own, only shows a page asking to confirm; the POST unsubscribes: the one-click POST a mail client makes
 * for `List-Unsubscribe-Post` (answered 204), or the page's button (answered with a page saying so).
 */
export function unsubscribeRoutes({ database, settings }: ApiDeps): Router {
  const router = Router();
  const claimOf = (token: string) => {
    const claim = verifyUnsubscribeToken(token, settings.linkSecret);
    if (!claim) throw new NotFound('unsubscribe link');
    return claim;
  };
  router.get('/unsubscribe/:token', (req, res) => {
    const claim = claimOf(req.params.token);
    // The form posts back to this very URL; the token is escaped like any other text.
    page(
      res,
      'Unsubscribe?',
      `<p>Stop receiving newsletters sent through ${escapeHtml(claim.tenantId)} at this address?</p>` +
        `<form method="post" action="${escapeHtml(encodeURIComponent(req.params.token))}">` +
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
        '<button type="submit">Unsubscribe</button></form>' +
        '<p>Nothing changes until you press the button.</p>',
    );
  });
  router.post('/unsubscribe/:token', async (req, res) => {
    const claim = claimOf(req.params.token);
    await unsubscribeContact(database.db, claim.tenantId, claim.contactId);
    // A browser (the page's button) gets a page; a mail client's one-click POST gets no content.
    if (req.get('accept')?.includes('text/html')) {
      page(res, 'You are unsubscribed', '<p>You will receive no more newsletters from this sender.</p>');
    } else {
      res.status(204).end();
    }
  });
  return router;
}
