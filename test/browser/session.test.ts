import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInLink } from '../../src/cli/commands/users';
import { buildWeb } from '../../src/web/build';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/** The task page's sign-in over plain HTTP: what a browser does, checked header by header. */
for (const dialect of DIALECTS)
  describe(`task page sessions on ${dialect}: sign-in, cookie, CSRF, sign-out`, () => {
    let sys: TestSystem;
    let apiKey: string;
    let userId: string;

    before(async () => {
      await buildWeb();
      sys = await startTestSystem({ dialect, worker: false });
      ({ apiKey, userId } = await sys.user('acme', 'alice@acme.test'));
    });
    after(async () => {
      await sys?.stop();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${sys.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const cookieOf = (response: Response) =>
      /^mailroom_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

    it('serves the page under a strict CSP, nosniff, and frame-ancestors for embedding', async () => {
      const response = await fetch(`${sys.url}/app/`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'self'/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      const html = await response.text();
      assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>/, 'no inline script');
      const script = await fetch(`${sys.url}/app/assets/app.js`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
      assert.equal((await fetch(`${sys.url}/app/assets/..%2Fpackage.json`)).status, 404);
    });

    it('trades an API key for an HttpOnly, SameSite=Strict, expiring cookie; /v1 accepts it, bearer keys still work', async () => {
      const signedIn = await post('/app/session', { apiKey });
      assert.equal(signedIn.status, 200);
      const setCookie = signedIn.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      assert.match(setCookie, /Expires=/i);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Secure/i, 'plain HTTP on localhost');
      const session = (await signedIn.json()) as { email: string; csrfToken: string };
      assert.equal(session.email, 'alice@acme.test');
      const cookie = `mailroom_session=${cookieOf(signedIn)}`;

      const me = await fetch(`${sys.url}/app/session`, { headers: { cookie } });
      assert.equal(((await me.json()) as { csrfToken: string }).csrfToken, session.csrfToken);
      assert.equal((await fetch(`${sys.url}/v1/notifications`, { headers: { cookie } })).status, 200);
      assert.equal((await apiClient(sys.url, apiKey).get('/v1/notifications')).status, 200);

      // An unsafe request with the cookie alone is what a forged cross-site request would be: refused.
      const forged = await post('/v1/notifications/ntf_x/read', undefined, { cookie });
      assert.equal(forged.status, 403);
      assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'csrf_token_invalid');
      const wrong = await post('/v1/notifications/ntf_x/read', undefined, { cookie, 'X-CSRF-Token': 'x'.repeat(43) });
      assert.equal(wrong.status, 403);
      const withToken = await post('/v1/notifications/ntf_x/read', undefined, {
        cookie,
        'X-CSRF-Token': session.csrfToken,
      });
      assert.equal(withToken.status, 404, 'past the CSRF check: an unknown notification');

      const out = await fetch(`${sys.url}/app/session`, {
        method: 'DELETE',
        headers: { cookie, 'X-CSRF-Token': session.csrfToken },
      });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
      assert.equal((await fetch(`${sys.url}/v1/notifications`, { headers: { cookie } })).status, 401);
    });

    it('signs in once with a one-time link, never twice', async () => {
      const link = await signInLink(sys.db.database.db, sys.url, userId);
      assert.match(link, new RegExp(`^${sys.url}/app/#login=[\\w-]{43}$`));
      const loginToken = link.split('#login=')[1]!;
      const first = await post('/app/session', { loginToken });
      assert.equal(first.status, 200);
      assert.ok(cookieOf(first));
      const again = await post('/app/session', { loginToken });
      assert.equal(again.status, 401);
      assert.match(((await again.json()) as { error: { message: string } }).error.message, /used or expired/);
    });

    it('lets only one of several simultaneous uses of a sign-in link through', async () => {
      const loginToken = (await signInLink(sys.db.database.db, sys.url, userId)).split('#login=')[1]!;
      const answers = await Promise.all(Array.from({ length: 6 }, () => post('/app/session', { loginToken })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401, 401, 401, 401]);
    });

    it('ends a session at its expiry', async () => {
      const signedIn = await post('/app/session', { apiKey });
      const cookie = `mailroom_session=${cookieOf(signedIn)}`;
      assert.equal((await fetch(`${sys.url}/v1/tasks`, { headers: { cookie } })).status, 200);
      const past = new Date(Date.now() - 1000).toISOString();
      await sys.db.database.db.updateTable('web_sessions').set({ expires_at: past }).execute();
      assert.equal((await fetch(`${sys.url}/v1/tasks`, { headers: { cookie } })).status, 401);
      assert.equal((await fetch(`${sys.url}/app/session`, { headers: { cookie } })).status, 401);
    });

    it('refuses what is not a sign-in, naming the problem', async () => {
      assert.equal((await post('/app/session', { apiKey: 'mr_nope' })).status, 401);
      const both = await post('/app/session', { apiKey: 'a', loginToken: 'b' });
      assert.equal(both.status, 400);
      assert.match(((await both.json()) as { error: { message: string } }).error.message, /exactly one/);
      const form = await fetch(`${sys.url}/app/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `apiKey=${apiKey}`,
      });
      assert.equal(form.status, 415, 'a cross-site form cannot sign anyone in');
      assert.equal((await fetch(`${sys.url}/app/session`)).status, 401);
      const stale = await fetch(`${sys.url}/v1/tasks`, { headers: { cookie: 'mailroom_session=expired-or-forged' } });
      assert.equal(stale.status, 401);
    });
  });
