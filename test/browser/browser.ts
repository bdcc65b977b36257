import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (scripts/ensure-chromium.sh installs it); never a browser downloaded at run time. */
export const CHROMIUM = process.env.MAILROOM_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots of the main states: test artefacts, never committed (.tmp/ is ignored). */
export const ARTEFACTS = path.resolve('.tmp', 'artefacts', 'task-page');

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM}: run scripts/ensure-chromium.sh or set MAILROOM_CHROMIUM`);
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  // Chromium refuses its sandbox as root (CI containers); elsewhere it keeps it.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** What a page did that it never should: a dialog (alert), an uncaught error, a CSP violation. */
export interface Misdeeds {
  dialogs: string[];
  errors: string[];
  requestUrls: string[];
}

export async function openPage(context: BrowserContext): Promise<{ page: Page; misdeeds: Misdeeds }> {
  const page = await context.newPage();
  const misdeeds: Misdeeds = { dialogs: [], errors: [], requestUrls: [] };
  page.on('dialog', (dialog) => {
    misdeeds.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => misdeeds.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      misdeeds.errors.push(message.text());
  });
  page.on('request', (request) => misdeeds.requestUrls.push(request.url()));
  return { page, misdeeds };
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTEFACTS, `${name}.png`), fullPage: true });

/**
 * The README's picture of the page, docs/task-page.png: taken again only when the page's sources
 * changed (their hash is kept beside it), so a test run does not rewrite it for nothing.
 */
export async function refreshReadmeScreenshot(page: Page): Promise<void> {
  const hash = crypto.createHash('sha256');
  const web = path.resolve('src', 'web');
  for (const file of fs.readdirSync(web).sort()) hash.update(file).update(fs.readFileSync(path.join(web, file)));
  const digest = hash.digest('hex');
  const hashFile = path.resolve('docs', 'task-page.png.sha256');
  const png = path.resolve('docs', 'task-page.png');
  if (fs.existsSync(png) && fs.existsSync(hashFile) && fs.readFileSync(hashFile, 'utf8').trim() === digest) return;
  fs.mkdirSync(path.dirname(png), { recursive: true });
  await page.screenshot({ path: png });
  fs.writeFileSync(hashFile, `${digest}\n`);
}
