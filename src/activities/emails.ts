import { isDeliverableAddress } from '../mail/smtp-errors';
import { sendOnce } from '../mail/send-once';
import { exportDownloadUrl } from '../storage/download-links';
import type { SendNewsletterResult } from '../shared/contracts';
import type { ActivityDeps } from './deps';
import { InvalidRecipient } from './errors';

export interface ExportReadyEmail {
  /** Fixed per task: the email goes out once even if this activity is retried. */
  key: string;
  to: string;
  newsletterSubject: string;
  rows: number;
  /** The link is signed here, as the email is written: never in the workflow's history. */
  exportId: string;
  expiresAt: string;
}

export interface SendSummaryEmail {
  key: string;
  to: string;
  newsletterSubject: string;
  result: SendNewsletterResult;
  cancelled: boolean;
}

const n = (value: number) => value.toLocaleString('en-US');

/** Task emails to the user who asked; they open SMTP connections, so they run on the `-email` task queue. */
export const createEmailActivities = ({ database, mailer, settings }: ActivityDeps) => ({
  async sendExportReadyEmail(email: ExportReadyEmail): Promise<{ messageId: string; alreadySent: boolean }> {
    if (!isDeliverableAddress(email.to)) throw new InvalidRecipient(`cannot email ${JSON.stringify(email.to)}`);
    const link = exportDownloadUrl(settings, email.exportId, email.expiresAt);
    const expires = new Date(email.expiresAt).toUTCString();
    return sendOnce(database, mailer, email.key, {
      to: email.to,
      subject: `Your export of "${email.newsletterSubject}" is ready`,
      text: [
        'Hello,',
        '',
        `the delivery statistics of your newsletter "${email.newsletterSubject}" are ready: ${n(email.rows)} rows, as a CSV file.`,
        '',
        `Download: ${link}`,
        '',
        `This link is personal and works until ${expires}.`,
        '',
        '— mailroom',
      ].join('\n'),
      html: `<p>Hello,</p><p>the delivery statistics of your newsletter <strong>${escapeHtml(email.newsletterSubject)}</strong> are ready: ${n(email.rows)} rows, as a CSV file.</p><p><a href="${escapeHtml(link)}">Download the CSV</a></p><p>This link is personal and works until ${expires}.</p>`,
    });
  },

  async sendSendSummaryEmail(email: SendSummaryEmail): Promise<{ messageId: string; alreadySent: boolean }> {
    if (!isDeliverableAddress(email.to)) throw new InvalidRecipient(`cannot email ${JSON.stringify(email.to)}`);
    const r = email.result;
    return sendOnce(database, mailer, email.key, {
      to: email.to,
      subject: `"${email.newsletterSubject}" ${email.cancelled ? 'was stopped' : 'was sent'}: ${n(r.sent)} delivered`,
      text: [
        'Hello,',
        '',
        `your newsletter "${email.newsletterSubject}" ${email.cancelled ? 'was stopped before the end' : 'has been sent'}.`,
        '',
        `  sent:     ${n(r.sent)}`,
        `  failed:   ${n(r.failed)}`,
        `  skipped:  ${n(r.skipped)} (unsubscribed meanwhile)`,
        ...(email.cancelled ? [`  not sent: ${n(r.cancelled)} (stopped)`] : []),
        ...(r.resent > 0 ? [`  resent:   ${n(r.resent)} after a worker crash, with their original Message-ID`] : []),
        '',
        '— mailroom',
      ].join('\n'),
    });
  },
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export type EmailActivities = ReturnType<typeof createEmailActivities>;
