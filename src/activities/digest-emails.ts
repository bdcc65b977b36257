import { activityInfo, heartbeat } from '@temporalio/activity';
import { tenantSendFigures, tenantUsers, type NewsletterDayFigures } from '../db/queries/digest-figures';
import { sendOnce } from '../mail/send-once';
import { isDeliverableAddress } from '../mail/smtp-errors';
import type { DigestPeriod } from '../shared/contracts';
import type { ActivityDeps } from './deps';

export interface TenantDigestInput {
  tenantId: string;
  period: DigestPeriod;
  /** Named in the email, so "yesterday" is unambiguous. */
  timezone: string;
}

const USERS_PER_PAGE = 100;
/** Newsletters listed one by one; the rest are summed into the total only. */
const LISTED_NEWSLETTERS = 20;

/** Fixed per user and day: a retried or re-triggered digest sends each user one email per day. */
export const digestEmailKey = (userId: string, date: string) => `digest-${userId}-${date}`;

/** Opens SMTP connections: runs on the `-email` task queue. */
export const createDigestEmailActivities = ({ database, mailer }: ActivityDeps) => ({
  /**
   * Emails each user of the tenant the figures of the period, once per user and day (sent_emails). A
   * retry resumes after the last user it heartbeated.
   */
  async sendTenantDigest(input: TenantDigestInput): Promise<{ sent: number; skipped: number }> {
    const figures = await tenantSendFigures(database.db, input.tenantId, input.period);
    if (figures.length === 0) return { sent: 0, skipped: 0 };
    const { subject, text } = digestText(input, figures);
    let afterUserId = (activityInfo().heartbeatDetails as { afterUserId: string } | undefined)?.afterUserId ?? '';
    let sent = 0;
    let skipped = 0;
    for (;;) {
      const users = await tenantUsers(database.db, input.tenantId, { afterUserId, limit: USERS_PER_PAGE });
      for (const user of users) {
        const outcome = isDeliverableAddress(user.email)
          ? await sendOnce(database, mailer, digestEmailKey(user.id, input.period.date), {
              to: user.email,
              subject,
              text,
            })
          : undefined;
        if (outcome && !outcome.alreadySent) sent += 1;
        else skipped += 1;
        afterUserId = user.id;
        heartbeat({ afterUserId });
      }
      if (users.length < USERS_PER_PAGE) return { sent, skipped };
    }
  },
});

const count = (n: number) => n.toLocaleString('en-US');
const line = (f: Omit<NewsletterDayFigures, 'newsletterId' | 'subject'>) =>
  `${count(f.sent)} sent, ${count(f.opened)} opened, ${count(f.clicked)} clicked, ${count(f.bounced)} bounced, ${count(f.unsubscribed)} unsubscribed`;

/** The digest in words: one line per newsletter, busiest first, and the day's total. */
export function digestText(
  input: TenantDigestInput,
  figures: NewsletterDayFigures[],
): { subject: string; text: string } {
  const total = figures.reduce(
    (sum, f) => ({
      sent: sum.sent + f.sent,
      opened: sum.opened + f.opened,
      clicked: sum.clicked + f.clicked,
      bounced: sum.bounced + f.bounced,
      unsubscribed: sum.unsubscribed + f.unsubscribed,
    }),
    { sent: 0, opened: 0, clicked: 0, bounced: 0, unsubscribed: 0 },
  );
  const listed = figures.slice(0, LISTED_NEWSLETTERS).map((f) => `  "${f.subject}": ${line(f)}`);
  const more = figures.length - listed.length;
  return {
    subject: `Your sending figures for ${input.period.date}: ${count(total.sent)} emails sent`,
    text: [
      'Hello,',
      '',
      `here is what went out on ${input.period.date} (${input.timezone}):`,
      '',
      ...listed,
      ...(more > 0 ? [`  and ${more} more newsletter${more === 1 ? '' : 's'}`] : []),
      '',
      `Total: ${line(total)}.`,
      '',
      '— mailroom',
    ].join('\n'),
  };
}

export type DigestEmailActivities = ReturnType<typeof createDigestEmailActivities>;
