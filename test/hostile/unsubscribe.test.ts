import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUnsubscribeToken } from '../../src/storage/unsubscribe-links';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Issue 11, item 7 (RFC 8058): a GET of the unsubscribe link, as mail scanners and link previews do, only
 * shows a confirmation page (escaped HTML, no script, a strict Content-Security-Policy) whose button POSTs;
 * the POST (the one-click of List-Unsubscribe-Post, or that button) unsubscribes.
 */
for (const dialect of DIALECTS) {
  describe(`unsubscribe links per RFC 8058, on ${dialect}`, () => {
    let sys: TestSystem;
    const subscribed = async (email: string) =>
      (
        await sys.db.database.db
          .selectFrom('contacts')
          .select('unsubscribed')
          .where('tenant_id', '=', 'acme')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).unsubscribed === 0;
    const linkOf = async (email: string) => {
      const { id } = await sys.db.database.db
        .selectFrom('contacts')
        .select('id')
        .where('tenant_id', '=', 'acme')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      return `${sys.url}/unsubscribe/${signUnsubscribeToken('acme', Number(id), sys.settings.linkSecret)}`;
    };

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      await createAudience(sys.db.database.db, 'acme', { subscribed: 3 });
    });
    after(async () => sys?.stop());

    it('GET shows a confirmation page with a POST button, and unsubscribes no one', async () => {
      const link = await linkOf('person1@acme.test');
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(link, { method, headers: { Accept: 'text/html' } });
        assert.equal(response.status, 200, method);
        assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/i);
        const csp = response.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'none'/, csp);
        assert.doesNotMatch(csp, /script-src|unsafe-eval/, csp);
        assert.match(csp, /form-action 'self'/, csp);
        assert.match(csp, /frame-ancestors 'none'/, csp);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.match(response.headers.get('cache-control') ?? '', /no-store/);
        assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
        const page = await response.text();
        if (method === 'HEAD') continue;
        assert.match(page, /<form[^>]+method="post"/i);
        assert.match(page, /<button[^>]*type="submit"/i);
        assert.doesNotMatch(page, /<script|javascript:|\son\w+=/i);
      }
      // Scanners also follow links with odd Accept headers, or none.
      assert.equal((await fetch(link)).status, 200);
      assert.equal(await subscribed('person1@acme.test'), true, 'a GET never unsubscribes');
    });

    it('the one-click POST unsubscribes (204), and the page’s button does too (a page saying so)', async () => {
      const oneClick = await linkOf('person2@acme.test');
      const response = await fetch(oneClick, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      assert.equal(response.status, 204);
      assert.equal(await subscribed('person2@acme.test'), false);

      const button = await linkOf('person3@acme.test');
      const page = await (await fetch(button, { headers: { Accept: 'text/html' } })).text();
      const action = /<form[^>]+action="([^"]*)"/i.exec(page)?.[1];
      assert.ok(action !== undefined, page);
      const target = new URL(action.replace(/&amp;/g, '&'), button).toString();
      const submitted = await fetch(target, {
        method: 'POST',
        headers: { Accept: 'text/html,application/xhtml+xml', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      assert.equal(submitted.status, 200);
      assert.match(submitted.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(submitted.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(await submitted.text(), /unsubscribed/i);
      assert.equal(await subscribed('person3@acme.test'), false);
      assert.equal(await subscribed('person1@acme.test'), true, 'only the contact the link names');
    });

    it('a forged or altered link is 404 on GET and POST and changes nothing', async () => {
      const link = await linkOf('person1@acme.test');
      for (const bad of [`${link}x`, link.replace('/acme.', '/rival.'), `${sys.url}/unsubscribe/%3Cscript%3E`]) {
        assert.equal((await fetch(bad)).status, 404, bad);
        assert.equal((await fetch(bad, { method: 'POST' })).status, 404, bad);
      }
      assert.equal(await subscribed('person1@acme.test'), true);
    });
  });
}
