import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { addTenantSender } from '../../src/db/queries/tenant-senders';
import { loadSettings } from '../../src/settings';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Issue 11, item 6: a newsletter's `from` was free text, so one tenant sent as another tenant's user, in
 * the From header and in the SMTP envelope. A tenant now sends only from the senders an operator verified
 * for it (`mailroom tenants add-sender`): anything else is 400 naming `from`, and nothing is created. The
 * envelope sender (MAIL FROM) is always the service's own bounce address; the From header shows the
 * verified sender. A sender removed later stops the sends that still name it.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'mailroom.js');
const BOUNCE = 'bounces@mailroom.test';

/** Runs the real CLI against a database, as an operator would. */
function mailroom(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
}

/**
 * The same, without blocking this process: the API and the worker under test run in it, and a blocked
 * event loop would stall them (and have the server drop its idle keep-alive connections).
 */
function mailroomAsync(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface Received {
  mailFrom: string | false;
  rcptTo: string[];
  mail: ParsedMail;
}

/** A real SMTP server that keeps each message with its envelope (MAIL FROM included). */
async function envelopeSink(): Promise<{ url: string; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      simpleParser(stream).then(
        (mail) => {
          received.push({
            mailFrom: session.envelope.mailFrom && session.envelope.mailFrom.address,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('BOUNCE_ADDRESS', () => {
  it('defaults to the address inside MAIL_FROM, and can be set apart from it', () => {
    const base = {
      MAILROOM_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bounce-')),
      LINK_SECRET: 'x'.repeat(32),
    };
    try {
      assert.equal(
        loadSettings({ ...base, MAIL_FROM: 'Mailroom <no-reply@mailroom.test>' }).bounceAddress,
        'no-reply@mailroom.test',
      );
      assert.equal(
        loadSettings({ ...base, MAIL_FROM: 'no-reply@mailroom.test' }).bounceAddress,
        'no-reply@mailroom.test',
      );
      assert.equal(loadSettings({ ...base, BOUNCE_ADDRESS: BOUNCE }).bounceAddress, BOUNCE);
      assert.throws(
        () => loadSettings({ ...base, BOUNCE_ADDRESS: 'Bounces <bounces@mailroom.test>' }),
        /BOUNCE_ADDRESS/,
      );
    } finally {
      fs.rmSync(base.MAILROOM_DATA_DIR, { recursive: true, force: true });
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`sender identity on ${dialect}`, () => {
    let sink: Awaited<ReturnType<typeof envelopeSink>>;
    let sys: TestSystem;
    let acme: ReturnType<typeof apiClient>;
    let cli: (...args: string[]) => ReturnType<typeof mailroomAsync>;

    before(async () => {
      sink = await envelopeSink();
      sys = await startTestSystem({
        dialect,
        smtpUrl: sink.url,
        env: { MAIL_FROM: 'Mailroom <no-reply@mailroom.test>', BOUNCE_ADDRESS: BOUNCE },
      });
      await createAudience(sys.db.database.db, 'acme', { subscribed: 3 });
      acme = apiClient(sys.url, (await sys.user('acme', 'owner@acme.test')).apiKey);
      await sys.user('rival', 'ceo@rival.test');
      cli = (...args) => mailroomAsync({ DATABASE_URL: sys.db.url, MAILROOM_DATA_DIR: sys.settings.dataDir }, ...args);
      // The CLI itself, on this database, is tried by the last test; here the rows are written directly.
      for (const [tenant, sender] of [
        ['acme', 'news@acme.test'],
        ['acme', '@brand.test'],
        ['rival', 'ceo@rival.test'],
        ['rival', '@rival.test'],
      ] as const) {
        await addTenantSender(sys.db.database.db, tenant, sender);
      }
    });
    after(async () => {
      await sys?.stop();
      await sink?.stop();
    });

    const draft = (from?: string) => ({
      subject: `From ${from ?? 'the service'}`,
      html: '<p>Hi {{first_name}}</p>',
      from,
    });

    it("refuses a from that is not one of the tenant's verified senders with 400 naming from, creating nothing", async () => {
      const before = (await acme.get('/v1/newsletters')).body.items.length;
      for (const from of [
        'ceo@rival.test', // another tenant's verified user
        'anyone@rival.test', // at another tenant's verified domain
        'Rival CEO <ceo@rival.test>',
        'other@acme.test', // only news@ is verified at acme.test, not the domain
        'news@acme.test.evil.test',
        'news@sub.brand.test', // a verified domain does not cover its subdomains
        'news@evil-brand.test',
        'news@acme.test, ceo@rival.test', // two mailboxes in one header
        'news@acme.test <ceo@rival.test>',
        'ceo@rival.test <news@acme.test>', // an address as display name is a spoof
        '"ceo@rival.test" <news@acme.test>',
        'news@acme.test\r\nBcc: x@evil.test',
        '<news@acme.test>>',
      ]) {
        const response = await acme.post('/v1/newsletters', draft(from));
        assert.equal(response.status, 400, `${from}: ${response.status} ${response.text}`);
        assert.equal(response.body.error.code, 'invalid_request', from);
        assert.match(response.body.error.message, /^from: /, from);
      }
      assert.equal((await acme.get('/v1/newsletters')).body.items.length, before, 'nothing was created');
    });

    it('accepts a verified address, an address at a verified @domain (any case of the domain), or no from', async () => {
      for (const from of [
        'news@acme.test',
        'news@ACME.test',
        'Acme News <news@acme.test>',
        '"Acme, the news" <news@acme.test>',
        'anyone@brand.test',
        'Someone@BRAND.Test',
        undefined,
      ]) {
        const response = await acme.post('/v1/newsletters', draft(from));
        assert.equal(response.status, 201, `${from}: ${response.status} ${response.text}`);
        assert.equal(response.body.from ?? undefined, from);
      }
    });

    it('sends with the bounce address as envelope sender and the verified sender in the From header', async () => {
      const created = await acme.post('/v1/newsletters', {
        ...draft('Acme News <news@acme.test>'),
        subject: 'Envelope check',
      });
      assert.equal(created.status, 201, created.text);
      const started = await acme.post(`/v1/newsletters/${created.body.id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await acme.waitForTask(started.body.taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      const newsletter = sink.received.filter((r) => r.mail.subject === 'Envelope check');
      assert.equal(newsletter.length, 3);
      for (const { mailFrom, mail } of newsletter) {
        assert.equal(mailFrom, BOUNCE, 'envelope MAIL FROM is the service bounce address');
        assert.deepEqual(mail.from?.value, [{ name: 'Acme News', address: 'news@acme.test' }]);
      }
      // Every email the service sends (the sender's summary too) bounces to the service, never the tenant.
      const summary = await waitFor(() => sink.received.filter((r) => r.rcptTo.includes('owner@acme.test')));
      for (const { mailFrom } of [...summary, ...sink.received]) assert.equal(mailFrom, BOUNCE);
    });

    it('sends a draft without from from MAIL_FROM, bouncing to the bounce address', async () => {
      const created = await acme.post('/v1/newsletters', { ...draft(), subject: 'No from' });
      const started = await acme.post(`/v1/newsletters/${created.body.id}/send`);
      assert.equal(started.status, 202, started.text);
      assert.equal((await acme.waitForTask(started.body.taskId)).status, 'COMPLETED');
      const sent = sink.received.filter((r) => r.mail.subject === 'No from');
      assert.equal(sent.length, 3);
      for (const { mailFrom, mail } of sent) {
        assert.equal(mailFrom, BOUNCE);
        assert.deepEqual(mail.from?.value, [{ name: 'Mailroom', address: 'no-reply@mailroom.test' }]);
      }
    });

    it('fails the send of a draft whose sender was removed since, sending nothing', async () => {
      const added = await cli('tenants', 'add-sender', 'acme', 'Promo@ACME.test');
      assert.equal(added.status, 0, added.stderr);
      const created = await acme.post('/v1/newsletters', { ...draft('Promo@acme.test'), subject: 'Revoked sender' });
      assert.equal(created.status, 201, created.text);
      const removed = await cli('tenants', 'remove-sender', 'acme', 'Promo@acme.TEST');
      assert.equal(removed.status, 0, removed.stderr);
      assert.match(removed.stdout, /^removed sender Promo@acme\.test$/m);
      assert.doesNotMatch(sendersLine(removed.stdout), /Promo@acme\.test/);
      const started = await acme.post(`/v1/newsletters/${created.body.id}/send`);
      assert.equal(started.status, 202, started.text);
      const task = await acme.waitForTask(started.body.taskId);
      assert.equal(task.status, 'FAILED', JSON.stringify(task));
      assert.equal(sink.received.filter((r) => r.mail.subject === 'Revoked sender').length, 0);
    });
  });
}

describe('mailroom tenants add-sender / remove-sender / show', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-senders-'));
  const cli = (...args: string[]) => mailroom({ MAILROOM_DATA_DIR: dataDir, DATABASE_URL: '' }, ...args);
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('adds a sender once, prints the senders each time, and show lists them', () => {
    assert.equal(cli('tenants', 'create', 'acme-co').status, 0);
    const first = cli('tenants', 'add-sender', 'acme-co', 'News@Acme.TEST');
    assert.equal(first.status, 0, first.stderr);
    const second = cli('tenants', 'add-sender', 'acme-co', 'News@acme.test');
    assert.equal(second.status, 0, second.stderr);
    assert.match(first.stdout, /^added sender News@acme\.test$/m);
    assert.match(second.stdout, /already verified; nothing changed/);
    assert.equal(sendersLine(first.stdout), 'senders of acme-co: News@acme.test');
    assert.equal(sendersLine(second.stdout), sendersLine(first.stdout));
    const domain = cli('tenants', 'add-sender', 'acme-co', '@Brand.test');
    assert.equal(domain.status, 0, domain.stderr);
    assert.equal(sendersLine(domain.stdout), 'senders of acme-co: @brand.test News@acme.test');

    const shown = cli('tenants', 'show', 'acme-co');
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^\s*senders\s+.*News@acme\.test/m);
    assert.match(shown.stdout, /^\s*senders\s+.*@brand\.test/m);

    const removed = cli('tenants', 'remove-sender', 'acme-co', '@brand.test');
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(sendersLine(removed.stdout), 'senders of acme-co: News@acme.test');
    const again = cli('tenants', 'remove-sender', 'acme-co', '@brand.test');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /nothing changed/);
    assert.match(cli('tenants', 'show', 'acme-co').stdout, /^\s*senders\s+News@acme\.test\s*$/m);
  });

  it('refuses what is not an address or @domain, and an unknown tenant, adding nothing', () => {
    for (const bad of ['acme.test', 'Acme <news@acme.test>', 'x@y.test, z@w.test']) {
      const refused = cli('tenants', 'add-sender', 'acme-co', bad);
      assert.equal(refused.status, 1, `${bad}: ${refused.stdout}`);
      assert.match(refused.stderr, /address or @domain/, bad);
    }
    const unknown = cli('tenants', 'add-sender', 'nobody-co', 'news@acme.test');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no tenant nobody-co/);
    assert.match(cli('tenants', 'show', 'acme-co').stdout, /^\s*senders\s+News@acme\.test\s*$/m);
  });
});

/** The `senders of <slug>: …` line that add-sender and remove-sender print. */
const sendersLine = (stdout: string) => /^senders of .*$/m.exec(stdout)?.[0] ?? `(no senders line in ${stdout})`;

async function waitFor<T>(read: () => T[], timeoutMs = 30_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = read();
    if (found.length > 0) return found;
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
