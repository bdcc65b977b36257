import { ApplicationFailure, CancelledFailure, Context, heartbeat, log } from '@temporalio/activity';
import { findNewsletter, type Newsletter } from '../db/queries/newsletters';
import { reserveSlots } from '../db/queries/rate-limits';
import {
  listUnsentDeliveries,
  markSending,
  recordDelivery,
  recordSent,
  type ClaimedDelivery,
  type ContactRange,
} from '../db/queries/sends';
import type { Mailer } from '../mail/mailer';
import { personalise } from '../mail/personalise';
import { describeSmtpFailure, isDeliverableAddress, isPermanentSmtpFailure } from '../mail/smtp-errors';
import type { SendCounts, TaskOwner } from '../shared/contracts';
import { signUnsubscribeToken } from '../storage/unsubscribe-links';
import type { ActivityDeps } from './deps';
import { NewsletterNotFound } from './errors';

/** A delivery that keeps failing transiently is given up after this many attempts. */
const MAX_DELIVERY_ATTEMPTS = 12;
/** The rate limiter's stream: every worker sending through this database shares it. */
const RATE_KEY = 'smtp';
/**
 * Messages are marked `sending` a wave at a time, a wave being what the rate allows in this many ms:
 * few writes per message, and a crash leaves at most one wave per batch of unknown fate.
 */
const WAVE_MS = 250;

export interface DeliveryBatch extends TaskOwner {
  newsletterId: number;
  range: ContactRange;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one batch of deliveries through the pooled transport, at the shared rate. On the `-email` queue. */
export const createDeliveryActivities = ({ database, mailer, settings }: ActivityDeps) => {
  const domain = /@([^>\s]+)>?\s*$/.exec(settings.mailFrom)?.[1] ?? 'mailroom.local';

  return {
    async sendDeliveryBatch(batch: DeliveryBatch): Promise<SendCounts> {
      const newsletter = await findNewsletter(database.db, batch.tenantId, batch.newsletterId);
      if (!newsletter) throw new NewsletterNotFound(`newsletter ${batch.newsletterId} does not exist`);
      const counts: SendCounts = { sent: 0, failed: 0, skipped: 0, resent: 0 };
      const toSend: ClaimedDelivery[] = [];
      for (const delivery of await listUnsentDeliveries(database.db, batch.newsletterId, batch.range, domain)) {
        if (delivery.unsubscribed) {
          await recordDelivery(database.db, batch.newsletterId, delivery.contactId, { status: 'skipped' });
          counts.skipped++;
        } else if (!isDeliverableAddress(delivery.email)) {
          await recordDelivery(database.db, batch.newsletterId, delivery.contactId, {
            status: 'failed',
            error: 'invalid address',
          });
          counts.failed++;
        } else {
          toSend.push(delivery);
        }
      }
      if (toSend.length === 0) return counts;

      const signal = Context.current().cancellationSignal;
      const interval = 1000 / settings.emailRate;
      const windowStart = await reserveSlots(database, RATE_KEY, toSend.length, settings.emailRate);
      const slotOf = (i: number) => windowStart + i * interval;
      const accepted: number[] = [];
      let transient: string | undefined;
      const inFlight: Array<Promise<void>> = [];
      const waveSize = Math.max(1, Math.floor(WAVE_MS / interval));

      for (let start = 0; start < toSend.length && !signal.aborted; start += waveSize) {
        const wave = toSend.slice(start, start + waveSize);
        await waitUntil(slotOf(start), counts, signal);
        if (signal.aborted) break;
        const marked = await markSending(
          database.db,
          batch.newsletterId,
          wave.map((d) => d.contactId),
          domain,
        );
        for (const [offset, delivery] of wave.entries()) {
          await waitUntil(slotOf(start + offset), counts, signal);
          if (signal.aborted) break;
          if (!marked.has(delivery.contactId)) continue;
          if (delivery.fateUnknown) {
            counts.resent++;
            log.warn('resending a delivery whose fate a crash left unknown', {
              newsletterId: batch.newsletterId,
              contactId: delivery.contactId,
              messageId: delivery.messageId,
            });
          }
          inFlight.push(
            sendOne(
              mailer,
              newsletter,
              delivery,
              unsubscribeHeaders(
                settings.publicBaseUrl,
                signUnsubscribeToken(batch.tenantId, delivery.contactId, settings.linkSecret),
              ),
            ).then(
              () => {
                accepted.push(delivery.contactId);
                counts.sent++;
              },
              async (error: unknown) => {
                const reason = describeSmtpFailure(error);
                if (isPermanentSmtpFailure(error) || delivery.attempts >= MAX_DELIVERY_ATTEMPTS) {
                  await recordDelivery(database.db, batch.newsletterId, delivery.contactId, {
                    status: 'failed',
                    error: reason,
                  });
                  counts.failed++;
                } else {
                  // Known not accepted: back to pending, tried again when the batch is retried.
                  await recordDelivery(database.db, batch.newsletterId, delivery.contactId, {
                    status: 'pending',
                    error: reason,
                  });
                  transient = reason;
                }
              },
            ),
          );
        }
        // Record what the server accepted so far, so a crash resends as little as possible.
        await recordSent(database.db, batch.newsletterId, accepted.splice(0));
        heartbeat(counts);
      }
      await Promise.all(inFlight);
      await recordSent(database.db, batch.newsletterId, accepted.splice(0));
      heartbeat(counts);
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      if (transient) throw ApplicationFailure.retryable(`SMTP is not accepting mail: ${transient}`, 'SmtpUnavailable');
      return counts;
    },
  };
};

/** Sleeps until a slot, heartbeating so a long wait for the rate limiter is not taken for a dead worker. */
async function waitUntil(at: number, progress: SendCounts, signal: AbortSignal): Promise<void> {
  for (let wait = at - Date.now(); wait > 0 && !signal.aborted; wait = at - Date.now()) {
    heartbeat(progress);
    await sleep(Math.min(wait, 1_000));
  }
}

function sendOne(mailer: Mailer, newsletter: Newsletter, delivery: ClaimedDelivery, headers: Record<string, string>) {
  return mailer.send({
    from: newsletter.from_address ?? undefined,
    to: delivery.email,
    subject: personalise(newsletter.subject, delivery, 'text'),
    html: personalise(newsletter.html, delivery, 'html'),
    text: newsletter.text === null ? undefined : personalise(newsletter.text, delivery, 'text'),
    messageId: delivery.messageId,
    headers,
  });
}

function unsubscribeHeaders(publicBaseUrl: string, token: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${publicBaseUrl}/unsubscribe/${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
