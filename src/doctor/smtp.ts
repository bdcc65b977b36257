import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Settings } from '../settings';
import { guarded, pass, type CheckResult } from './check';

const SMTP_TIMEOUT_MS = 3_000;

/** The relay answers EHLO (and accepts the login, if the URL has one); without a relay, the outbox is writable. */
export function checkMail(settings: Settings): Promise<CheckResult> {
  if (!settings.smtpUrl) {
    const outbox = path.join(settings.dataDir, 'outbox');
    return guarded('outbox writable', `make ${outbox} writable by this user, or set SMTP_URL`, async () => {
      await fs.promises.mkdir(outbox, { recursive: true });
      const probe = path.join(outbox, `.doctor-${crypto.randomBytes(4).toString('hex')}`);
      await fs.promises.writeFile(probe, 'probe');
      await fs.promises.rm(probe);
      return pass('outbox writable', `no SMTP_URL: emails are written to ${outbox}`);
    });
  }
  const relay = new URL(settings.smtpUrl);
  const where = `${relay.protocol}//${relay.host}`;
  return guarded(
    'SMTP relay answers',
    `check SMTP_URL (${where}) and that the relay accepts connections from here`,
    async () => {
      const transport = nodemailer.createTransport({
        url: settings.smtpUrl,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      } as Parameters<typeof nodemailer.createTransport>[0]);
      try {
        await transport.verify();
        return pass('SMTP relay answers', `${where} answered EHLO`);
      } finally {
        transport.close();
      }
    },
  );
}
