import { findSentEmail, recordSentEmail } from '../db/queries/sent-emails';
import type { ActivityDeps } from './deps';
import { InvalidRecipient } from './errors';

export interface ExportReadyEmail {
  /** Fixed per task: the email goes out once even if this activity is retried. */
  key: string;
  to: string;
  newsletterSubject: string;
  rows: number;
  downloadUrl: string;
  expiresAt: string;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const messageIdFor = (key: string) => `<${key.replace(/[^A-Za-z0-9.-]+/g, '.')}@mailroom>`;

/** Activities that open SMTP connections: they run on the `-email` task queue. */
export const createEmailActivities = ({ database, mailer }: ActivityDeps) => ({
  async sendExportReadyEmail(email: ExportReadyEmail): Promise<{ messageId: string; alreadySent: boolean }> {
    const sent = await findSentEmail(database.db, email.key);
    if (sent) return { messageId: sent.message_id, alreadySent: true };
    if (!ADDRESS.test(email.to)) throw new InvalidRecipient(`cannot email ${JSON.stringify(email.to)}`);
    const messageId = messageIdFor(email.key);
    const expires = new Date(email.expiresAt).toUTCString();
    // A crash between the SMTP accept and this record resends with the same Message-ID.
    await mailer.send({
      to: email.to,
      subject: `Your export of "${email.newsletterSubject}" is ready`,
      messageId,
      text: [
        'Hello,',
        '',
        `the delivery statistics of your newsletter "${email.newsletterSubject}" are ready: ${email.rows.toLocaleString('en-US')} rows, as a CSV file.`,
        '',
        `Download: ${email.downloadUrl}`,
        '',
        `This link is personal and works until ${expires}.`,
        '',
        '— mailroom',
      ].join('\n'),
      html: `<p>Hello,</p><p>the delivery statistics of your newsletter <strong>${escapeHtml(email.newsletterSubject)}</strong> are ready: ${email.rows.toLocaleString('en-US')} rows, as a CSV file.</p><p><a href="${escapeHtml(email.downloadUrl)}">Download the CSV</a></p><p>This link is personal and works until ${expires}.</p>`,
    });
    await recordSentEmail(database.db, email.key, messageId);
    return { messageId, alreadySent: false };
  },
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export type EmailActivities = ReturnType<typeof createEmailActivities>;
