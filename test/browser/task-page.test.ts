import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../src/web/build';
import { signInLink } from '../../src/cli/commands/users';
import { createNewsletter } from '../../src/db/queries/newsletters';
import type { TaskView } from '../../src/shared/views';
import { DEMO_TENANT, seedDemoTenant } from '../../src/db/seed';
import { apiClient } from '../support/http';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { launchChromium, openPage, refreshReadmeScreenshot, screenshot, type Misdeeds } from './browser';
import { createLargeNewsletter } from './large-newsletter';

const CONTACTS = 20_000;
/** An export of one chunk (under 500,000 rows) that takes seconds: only the chunk's own records move its bar. */
const LARGE_EXPORT_ROWS = 450_000;
const XSS = '<img src=x onerror=alert(1)>';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The end user's task page in Debian's Chromium, against the real system (API, worker, Temporal, SQLite,
 * an SMTP sink): what a user sees and does, and what must never happen (another's tasks, a script run
 * from data, a key in a URL).
 */
describe('the task page in a real browser', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let browser: Browser;
  let alice: { apiKey: string; userId: string };
  let bob: { apiKey: string; userId: string };
  let headline: number;
  let small: number;
  let context: BrowserContext;
  let page: Page;
  let misdeeds: Misdeeds;
  const aliceTasks: string[] = [];

  before(async () => {
    await buildWeb();
    await smtp.start();
    // 10 emails a second: a send moves batch by batch, slowly enough to watch and cancel.
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url, env: { MAILROOM_EMAIL_RATE: '10' } });
    ({ headline, small } = (await seedDemoTenant(sys.db.database, { contacts: CONTACTS }))!.newsletters);
    alice = await sys.user(DEMO_TENANT, 'alice@demo.test');
    bob = await sys.user(DEMO_TENANT, 'bob@demo.test');
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Paris' });
    ({ page, misdeeds } = await openPage(context));
  });
  after(async () => {
    await browser?.close();
    await sys?.stop();
    await smtp.stop();
  });

  const task = (taskId: string) => page.locator(`li[data-task-id="${taskId}"]`);

  it('signs in with an API key typed into the page: an HttpOnly SameSite=Strict cookie, no key in any URL', async () => {
    await page.goto(`${sys.url}/app/`);
    await page.getByLabel('API key').fill(alice.apiKey);
    await screenshot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as alice@demo.test').waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'mailroom_session');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(cookie.expires > Date.now() / 1000, 'it expires');
    assert.ok(!misdeeds.requestUrls.some((url) => url.includes(alice.apiKey)), 'the key never in a URL');
  });

  it('starts an export of a large newsletter; a toast says it is ready and its link downloads the file', async () => {
    await page.getByLabel('Newsletter', { exact: true }).selectOption(String(headline));
    await page.getByRole('button', { name: 'Start the export' }).click();
    const row = page.locator('li[data-task-id^="export-"]').first();
    await row.waitFor();
    const taskId = (await row.getAttribute('data-task-id'))!;
    aliceTasks.push(taskId);
    const toast = page.locator('.toast', { hasText: 'is ready: 20000 rows' });
    await toast.waitFor({ timeout: 120_000 });
    await row.getByText('Completed').waitFor();
    await row.getByText('20,000 rows').waitFor();
    await screenshot(page, '02-export-ready');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      toast.getByRole('link', { name: 'Download' }).click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    assert.equal(csv.trimEnd().split('\n').length, CONTACTS + 1, 'a header and one line per recipient');
  });

  it('moves an export’s bar between start and end as its rows are written, over SSE', async () => {
    const large = await createLargeNewsletter(sys.db.database.db, DEMO_TENANT, 'Year in review', LARGE_EXPORT_ROWS);
    await page.reload();
    await page.getByLabel('Newsletter', { exact: true }).selectOption(String(large));
    const [started] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/v1/exports') && response.status() === 202),
      page.getByRole('button', { name: 'Start the export' }).click(),
    ]);
    const taskId: string = (await started.json()).taskId;
    aliceTasks.push(taskId);
    const bar = task(taskId).locator('progress');

    // Every value the bar shows strictly between nothing and everything, until the task completes; and
    // whether the listing (what a page without a stream reads) showed such a value too.
    const between = new Set<number>();
    let listedBetween: number | undefined;
    const intermediate = (value: number) => value > 0 && value < LARGE_EXPORT_ROWS;
    const deadline = Date.now() + 180_000;
    while ((await task(taskId).getByText('Completed', { exact: true }).count()) === 0) {
      assert.ok(Date.now() < deadline, 'the export never completed');
      const value = Number((await bar.getAttribute('value', { timeout: 500 }).catch(() => null)) ?? NaN);
      if (intermediate(value)) {
        if (between.size === 0) await screenshot(page, '02-export-running');
        between.add(value);
      }
      if (listedBetween === undefined) {
        const listed = await (await context.request.get(`${sys.url}/v1/tasks?limit=5`)).json();
        const done: number = listed.items.find((item: TaskView) => item.taskId === taskId)?.progress.done ?? 0;
        if (intermediate(done)) listedBetween = done;
      }
      await sleep(100);
    }
    assert.ok(between.size > 0, 'the bar went from nothing to done with no step between');
    assert.ok(listedBetween !== undefined, 'the task listing never showed the export between start and end');
    assert.ok(
      misdeeds.requestUrls.some((url) => url.endsWith(`/v1/tasks/${taskId}/events`)),
      'progress came over the event stream',
    );
    await page.locator('.toast', { hasText: `is ready: ${LARGE_EXPORT_ROWS} rows` }).waitFor({ timeout: 60_000 });
  });

  it('follows a running send live over SSE, its bar moving, and cancels it', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: DEMO_TENANT,
      subject: 'Autumn sale',
      html: '<p>Hi</p>',
    });
    const started = await apiClient(sys.url, alice.apiKey).post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(started.status, 202, started.text);
    const taskId: string = started.body.taskId;
    aliceTasks.push(taskId);
    const bar = task(taskId).locator('progress');
    await bar.waitFor({ timeout: 60_000 });

    // The bar's value as the page shows it, until it has moved forward twice.
    const seen: number[] = [];
    const deadline = Date.now() + 90_000;
    while (seen.length < 3) {
      assert.ok(Date.now() < deadline, `the bar did not move enough: ${seen.join(' → ')}`);
      const value = Number((await bar.getAttribute('value').catch(() => null)) ?? NaN);
      if (Number.isFinite(value) && value > (seen.at(-1) ?? -1)) seen.push(value);
      await sleep(100);
    }
    assert.ok(
      misdeeds.requestUrls.some((url) => url.endsWith(`/v1/tasks/${taskId}/events`)),
      'progress came over the event stream',
    );
    await screenshot(page, '03-send-running');

    await task(taskId).getByRole('button', { name: 'Cancel' }).click();
    await task(taskId).getByText('Cancelled', { exact: true }).waitFor({ timeout: 60_000 });
    await task(taskId)
      .getByText(/^Reason: /)
      .waitFor();
    await page.locator('#announcer').getByText('Send: Cancelled').waitFor(); // said to screen readers too
    assert.equal(await task(taskId).getByRole('button', { name: 'Cancel' }).count(), 0);
  });

  it('uploads a CSV with bad lines, shows the upload progress, then lists the invalid lines', async () => {
    const lines = ['email,first name,last name', 'ann@demo.test,Ann,Lee', 'bob@,Bob,Bad'];
    for (let i = 0; i < 2_000; i += 1) lines.push(`new${i}@demo.test,New,Contact`);
    lines.push('<script>alert(2)</script>,Evil,Line');
    await page.getByLabel('CSV file').setInputFiles({
      name: 'contacts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\n')),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Uploaded: the import has started.').waitFor();
    const progress = page.getByLabel('Upload progress');
    assert.equal(await progress.getAttribute('value'), await progress.getAttribute('max'), 'all of it sent');

    const row = page.locator('li[data-task-id^="import-"]').first();
    aliceTasks.push((await row.getAttribute('data-task-id'))!);
    await row.getByText('Invalid lines').waitFor({ timeout: 120_000 });
    await row.getByText('2,001 imported').waitFor();
    await row.getByText('Line 3: "bob@" is not a valid email address').waitFor();
    await row.getByText('Line 2004: "<script>alert(2)</script>" is not a valid email address').waitFor();
    await screenshot(page, '04-import-invalid-lines');
  });

  it('shows a hostile subject as its characters and runs none of it', async () => {
    await createNewsletter(sys.db.database.db, { tenantId: DEMO_TENANT, subject: XSS, html: '<p>x</p>' });
    await page.reload();
    const option = page.getByLabel('Newsletter', { exact: true }).locator('option', { hasText: XSS });
    await page.getByLabel('Newsletter', { exact: true }).selectOption((await option.getAttribute('value'))!);
    await page.getByRole('button', { name: 'Start the export' }).click();
    await page.locator('.toast', { hasText: `Your export of "${XSS}" is ready` }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Notifications' }).getByText(XSS, { exact: false }).first().waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no element made from data');
    assert.equal(await page.locator('script:not([src])').count(), 0);
    assert.deepEqual(misdeeds.dialogs, [], 'no alert ran');
    assert.deepEqual(misdeeds.errors, [], 'no page error, no CSP violation');
    for (const row of await page.locator('li[data-task-id]').all())
      aliceTasks.push((await row.getAttribute('data-task-id'))!);
  });

  it('lists a schedule with its next run in the user’s zone, and pauses, resumes, runs and deletes it', async () => {
    const created = await apiClient(sys.url, alice.apiKey).post('/v1/schedules', {
      action: { type: 'export', newsletterId: headline },
      every: '1h',
    });
    assert.equal(created.status, 201, created.text);
    const item = page.locator(`li[data-schedule-id="${created.body.id}"]`);
    await page.reload();
    await item.getByText(`Export of newsletter #${headline}`).waitFor();
    await item.getByText(/^Next run /).waitFor();
    await item.getByText('Active', { exact: true }).waitFor();
    await screenshot(page, '05-schedule');

    await item.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Space');
    await item.getByText('Paused', { exact: true }).waitFor();
    assert.equal(await item.getByText(/^Next run /).count(), 0, 'no next run while paused');
    await item.getByRole('button', { name: 'Resume' }).press('Enter');
    await item.getByText('Active', { exact: true }).waitFor();

    const tasksBefore = await page.locator('li[data-task-id]').count();
    await item.getByRole('button', { name: 'Run now' }).press('Enter');
    // Polled from here: a string evaluated in the page would be eval, which the page's CSP forbids.
    const deadline = Date.now() + 60_000;
    while ((await page.locator('li[data-task-id]').count()) <= tasksBefore) {
      assert.ok(Date.now() < deadline, 'the run never showed among the tasks');
      await sleep(200);
    }
    // By keyboard, as a user without a mouse would (a toast may also cover the button by then).
    await item.getByRole('button', { name: 'Delete' }).press('Enter');
    await page.getByText('No schedule.').waitFor();
  });

  it('keeps users apart: a second user, signed in by a one-time link in another context, sees none of it', async () => {
    const link = await signInLink(sys.db.database.db, sys.url, bob.userId);
    const other = await browser.newContext({ locale: 'en-US' });
    const { page: bobPage } = await openPage(other);
    await bobPage.goto(link);
    await bobPage.getByText('Signed in as bob@demo.test').waitFor();
    assert.ok(!bobPage.url().includes('login='), 'the spent token is erased from the address bar');
    await bobPage.getByText('No task yet.').waitFor();
    await bobPage.getByText('No unread notification.').waitFor();
    await bobPage.getByText('No schedule.').waitFor();
    const text = await bobPage.locator('body').innerText();
    for (const taskId of aliceTasks.filter(Boolean)) assert.ok(!text.includes(taskId), `${taskId} shown to bob`);
    assert.ok(!text.includes('is ready'), 'none of alice’s notifications');
    await screenshot(bobPage, '06-second-user');

    // The same link a second time signs nobody in.
    const third = await browser.newContext({ locale: 'en-US' });
    const { page: again } = await openPage(third);
    await again.goto(link);
    await again
      .getByRole('alert')
      .getByText(/used or expired/)
      .waitFor();
    await again.getByLabel('API key').waitFor();
    await other.close();
    await third.close();
  });

  it('refuses a request that carries the cookie but no CSRF token, as a forged one would', async () => {
    const forged = await context.request.post(`${sys.url}/v1/exports`, { data: { newsletterId: headline } });
    assert.equal(forged.status(), 403);
    assert.equal((await forged.json()).error.code, 'csrf_token_invalid');
    assert.equal((await context.request.get(`${sys.url}/v1/tasks`)).status(), 200, 'reads need no token');
  });

  it('marks a notification read: it leaves the list', async () => {
    const unread = page.getByRole('region', { name: 'Notifications' }).locator('li');
    const before = await unread.count();
    assert.ok(before > 0, 'the tasks above left notifications');
    await unread.first().getByRole('button', { name: 'Mark as read' }).press('Enter');
    const deadline = Date.now() + 30_000;
    while ((await unread.count()) !== before - 1) {
      assert.ok(Date.now() < deadline, `still ${await unread.count()} unread of ${before}`);
      await sleep(200);
    }
  });

  it('has no serious or critical axe-core violation, signed in or not', async () => {
    await page.reload();
    await page.locator('li[data-task-id]').first().waitFor();
    await refreshReadmeScreenshot(page);
    await screenshot(page, '07-main');
    assert.deepEqual(await seriousViolations(page), []);
    const fresh = await browser.newContext();
    const { page: signIn } = await openPage(fresh);
    await signIn.goto(`${sys.url}/app/`);
    await signIn.getByLabel('API key').waitFor();
    assert.deepEqual(await seriousViolations(signIn), []);
    await fresh.close();
  });

  it('speaks French to a French browser, dates included, and its switch goes back to English', async () => {
    const french = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const { page: fr } = await openPage(french);
    await fr.goto(`${sys.url}/app/`);
    await fr.getByLabel('Clé d’API').fill(alice.apiKey);
    await fr.getByRole('button', { name: 'Se connecter' }).click();
    await fr.getByRole('heading', { name: 'Vos tâches' }).waitFor();
    await fr.getByText('Connecté en tant que alice@demo.test').waitFor();
    await fr.getByRole('button', { name: 'Lancer l’export' }).waitFor();
    await fr.getByText('Terminée').first().waitFor();
    await fr.getByText('Annulée').first().waitFor();
    // The server's English texts, worded again in French: a cancelled task's reason, a notification.
    await fr.getByText('Raison : la tâche a été annulée').first().waitFor();
    await fr
      .getByRole('region', { name: 'Notifications' })
      .getByText(/^Votre export est prêt : 20\s000 lignes \([\d,]+\s[kMG]?o\)\.$/)
      .first()
      .waitFor();
    // And a toast of a notification that arrives while the French page is open.
    await fr.getByLabel('Newsletter', { exact: true }).selectOption(String(small));
    await fr.getByRole('button', { name: 'Lancer l’export' }).click();
    await fr
      .locator('.toast')
      .getByText(/^Votre export est prêt : 1\s000 lignes \([\d,]+\s[kMG]?o\)\.$/)
      .waitFor({ timeout: 120_000 });
    await fr.locator('.toast').getByRole('link', { name: 'Télécharger' }).first().waitFor();
    await fr
      .getByText(/Lancée le \d{1,2} \S+ \d{4}/)
      .first()
      .waitFor();
    assert.equal(await fr.getAttribute('html', 'lang'), 'fr');
    await screenshot(fr, '08-french');
    assert.deepEqual(await seriousViolations(fr), []);

    await fr.getByLabel('Langue').selectOption('en');
    await fr.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await french.close();
  });

  it('signs out: the page asks for a key again and the cookie opens nothing', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal((await context.request.get(`${sys.url}/v1/tasks`)).status(), 401);
    assert.deepEqual(misdeeds.errors, []);
  });
});

/** axe-core run inside the page (evaluated over the DevTools protocol, so the CSP does not stop it). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as Array<{
    id: string;
    impact: string;
    nodes: Array<{ target: string[] }>;
  }>;
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
