import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import { commitDeliveryLedgerSqlite } from '../db/queries/delivery-ledger-sqlite';
import { findNewsletter, type Newsletter } from '../db/queries/newsletters';
import {
  commitDeliveryLedger,
  listUnsentDeliveries,
  recordDelivery,
  type ClaimedDelivery,
  type ContactRange,
  type DeliveryOutcome,
  type MarkResult,
} from '../db/queries/sends';
import { isVerifiedAddress } from '../db/queries/tenant-senders';
import type { Database } from '../db/schema';
import type { ComposedEmail, Mailer, OutgoingEmail } from '../mail/mailer';
import { personalise } from '../mail/personalise';
import { parseMailbox } from '../mail/sender-address';
import {
  classifySmtpFailure,
  describeSmtpFailure,
  isConnectionFailure,
  isDeliverableAddress,
} from '../mail/smtp-errors';
import type { SendCounts, TaskOwner } from '../shared/contracts';
import { signUnsubscribeToken } from '../storage/unsubscribe-links';
import type { ActivityDeps } from './deps';
import { FairEmailSlots } from './email-slots';
import { NewsletterNotFound, SenderNotVerified } from './errors';

/** A delivery that keeps failing transiently is given up after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 12;
/** A slot missed by more than this is given up for a later one, so a stall never ends in a burst. */
const LATE_MS = 50;
/** …unless the batch is more than this many slots behind: then the rate is not what limits it. */
const MAX_SKIPPED_SLOTS = 20;

export interface DeliveryBatch extends TaskOwner {
  newsletterId: number;
  range: ContactRange;
}

/**
 * Sends one batch of deliveries through the pooled transport, at the shared rate. On the `-email` queue.
 *
 * Every delivery's fate is in the database before the next one on its connection can be accepted: one
 * commit marks a delivery `sending` and records the outcome of the message before it, and its SMTP
 * transaction runs meanwhile with the message's end held until that commit. So a crash leaves at most one
 * delivery per pooled connection in `sending` of unknown fate (the ones in an SMTP transaction at that
 * moment), and only those are sent again, and counted as `resent`, by the next attempt. Commits of
 * concurrent connections are grouped.
 */
export const createDeliveryActivities = ({ database, mailer, settings }: ActivityDeps) => {
  const domain = /@([^>\s]+)>?\s*$/.exec(settings.mailFrom)?.[1] ?? 'mailroom.local';
  const connections = connectionPermits(mailer);

  return {
    async sendDeliveryBatch(batch: DeliveryBatch): Promise<SendCounts> {
      const context = Context.current();
      const signal = context.cancellationSignal;
      const newsletter = await findNewsletter(database.db, batch.tenantId, batch.newsletterId);
      if (!newsletter) throw new NewsletterNotFound(`newsletter ${batch.newsletterId} does not exist`);
      // A sender an operator withdrew after the draft was written (or a draft older than verified senders)
      // stops the send before anything is claimed: no retry can make it verified.
      if (newsletter.from_address !== null) {
        const from = parseMailbox(newsletter.from_address);
        if (!from || !(await isVerifiedAddress(database.db, batch.tenantId, from.address)))
          throw new SenderNotVerified(
            `the newsletter's from ${JSON.stringify(newsletter.from_address)} is no longer a verified sender of tenant ${batch.tenantId}`,
          );
      }
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

      // Waits (for the rate, for a free connection) are long: a heartbeat a second shows the worker lives.
      const beating = setInterval(() => context.heartbeat(counts), 1_000);
      try {
        // The tenant's share of the email rate, among the tenants sending now (weighted).
        const slots = await FairEmailSlots.forTenant(
          database,
          batch.tenantId,
          settings.limits,
          settings.emailRate,
          toSend.length,
        );
        const ledger = new DeliveryLedger(database, batch.newsletterId, domain);
        const trouble: { transient?: string; connection?: string } = {};
        const stopped = () => signal.aborted || trouble.connection !== undefined;
        const laneCount = Math.min(connections.size, toSend.length);
        /**
         * Messages are composed (in the mailer's thread) a chunk of two per lane at a time, one chunk ahead of
         * the lanes: each lane finds its next message built when its connection is free, and the thread is
         * woken once per chunk rather than once per message.
         */
        const chunk = 2 * laneCount;
        const composing: Array<{ composed: Promise<ComposedEmail>; ready: boolean } | undefined> = [];
        let composedUpTo = 0;
        const composeThrough = (i: number) => {
          while (composedUpTo <= i && composedUpTo < toSend.length) {
            const start = composedUpTo;
            composedUpTo = Math.min(start + chunk, toSend.length);
            const emails = toSend
              .slice(start, composedUpTo)
              .map((d) => emailOf(newsletter, d, settings, batch.tenantId));
            mailer.compose(emails).forEach((composed, k) => {
              // Its failure is read, and recorded, when the delivery's turn comes.
              const entry = { composed, ready: false };
              composed.then(
                () => (entry.ready = true),
                () => (entry.ready = true),
              );
              composing[start + k] = entry;
            });
          }
        };
        let next = 0;
        /** The batch's next delivery, its message already built or being built. */
        const claim = () => {
          const i = next++;
          const delivery = toSend[i];
          if (!delivery) return undefined;
          composeThrough(i + chunk);
          const built = composing[i]!;
          composing[i] = undefined;
          return { delivery, built };
        };

        /**
         * Whether a message whose slot was `at` must take a later one: sent now, after a stall or on a busy
         * worker, it would crowd the slots after it above the rate. Not when it is hopelessly behind (more than
         * MAX_SKIPPED_SLOTS slots): then it is not the rate that holds it back.
         */
        const missedSlot = (at: number) => {
          const late = Date.now() - at;
          return !signal.aborted && late > LATE_MS && late <= MAX_SKIPPED_SLOTS * slots.intervalMs();
        };

        /**
         * Holds the end of a message whose mark committed late for its slot (a stalled write commits several
         * marks at once) until a later slot, as a lane late for its slot waits for the next: released at once,
         * those messages would reach the server together, above the rate.
         */
        const endOnSlot = async (at: number) => {
          if (!missedSlot(at)) return;
          slots.giveUp();
          const later = await slots.take(signal).catch(() => undefined);
          if (later !== undefined) await sleepUntil(later, signal);
        };

        /**
         * One connection's worth of work: take the next delivery's slot, then a connection (granted in slot
         * order across every batch of this worker), mark it, send it, record it; repeat. A connection is
         * held only while it is used: a lane hands it back when its next slot is later, before it reserves
         * a window, and after a send when another lane's slot is due. Its last outcome is committed first,
         * unless the connection goes to a lane of this batch, whose mark commits it in the same write: so
         * no connection ever has two deliveries in `sending`.
         */
        const lane = async () => {
          let holding = false;
          const handBack = async () => {
            if (!holding) return;
            if (connections.nextOwner() !== ledger) await ledger.commit();
            connections.release();
            holding = false;
          };
          let upcoming = claim();
          try {
            while (upcoming && !stopped()) {
              const { delivery, built } = upcoming;
              const { composed } = built;
              upcoming = undefined;
              // A message not built yet (the thread starting, a chunk still queued) is waited for before its
              // slot is taken, with the connection handed back: built late within its slot, it would leave
              // together with the messages after it, above the rate.
              if (!built.ready) {
                await handBack();
                await composed.then(
                  () => undefined,
                  () => undefined,
                );
              }
              if (slots.mustReserve()) await handBack();
              let at = await slots.take(signal);
              for (;;) {
                if (at > Date.now()) await handBack();
                await sleepUntil(at, signal);
                if (!holding) {
                  await connections.acquire(signal, at, ledger);
                  holding = true;
                }
                if (!missedSlot(at)) break;
                slots.giveUp();
                if (slots.mustReserve()) await handBack();
                at = await slots.take(signal);
              }
              if (stopped()) break;
              // Commits what this and other connections finished, and marks this one `sending`, while its
              // SMTP transaction starts: its end is held until that commit, so the server accepts it only
              // once it is marked and the previous message on this connection is recorded.
              const marking = ledger.commit(delivery.contactId);
              const sending = composed.then((email) =>
                mailer.sendComposed(
                  email,
                  marking.then(async (m) => {
                    if (m !== 'marked') return false;
                    await endOnSlot(at);
                    return true;
                  }),
                ),
              );
              sending.catch(() => undefined); // Read below, or withdrawn.
              const marked = await marking.catch(async (error: unknown) => {
                await sending.catch(() => undefined);
                throw error;
              });
              if (marked === 'skipped') counts.skipped++;
              if (marked !== 'marked') {
                await sending.catch(() => undefined); // Withdrawn before its end: never accepted.
                upcoming = claim();
                continue;
              }
              if (delivery.fateUnknown) {
                counts.resent++;
                log.warn('resending a delivery whose fate a crash left unknown', {
                  newsletterId: batch.newsletterId,
                  contactId: delivery.contactId,
                  messageId: delivery.messageId,
                });
              }
              upcoming = claim();
              const outcome = await sending.then(
                (): DeliveryOutcome | undefined => {
                  counts.sent++;
                  return { contactId: delivery.contactId, status: 'sent' };
                },
                (error: unknown) => failureOutcome(delivery, error, counts, trouble),
              );
              if (outcome) ledger.record(outcome);
              if (connections.isDue()) await handBack();
            }
          } finally {
            if (holding) {
              await ledger.commit().finally(() => connections.release());
            }
          }
        };
        const lanes = Array.from({ length: laneCount }, lane);
        const settled = await Promise.allSettled(lanes);
        await ledger.commit();
        const crashed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (crashed && !signal.aborted) throw crashed.reason;
        context.heartbeat(counts);
        if (signal.aborted) throw new CancelledFailure('send cancelled');
        const reason = trouble.connection ?? trouble.transient;
        if (reason) throw ApplicationFailure.retryable(`SMTP is not accepting mail: ${reason}`, 'SmtpUnavailable');
        return counts;
      } finally {
        clearInterval(beating);
      }
    },
  };
};

/**
 * What a failed SMTP transaction means for its delivery. A refusal (5xx) fails it; "not now" (4xx, or no
 * connection) puts it back to pending for the batch's next attempt, until the attempt limit; a connection
 * that broke with no answer leaves it `sending`, unknown: the next attempt resends it and counts it.
 */
function failureOutcome(
  delivery: ClaimedDelivery,
  error: unknown,
  counts: SendCounts,
  trouble: { transient?: string; connection?: string },
): DeliveryOutcome | undefined {
  const reason = describeSmtpFailure(error);
  const kind = classifySmtpFailure(error);
  // A broken or refused connection would fail the rest of the batch too: stop, and retry the batch later.
  if (isConnectionFailure(error)) trouble.connection ??= reason;
  if (kind === 'permanent' || delivery.attempts >= MAX_DELIVERY_ATTEMPTS) {
    counts.failed++;
    return { contactId: delivery.contactId, status: 'failed', error: reason };
  }
  trouble.transient ??= reason;
  if (kind === 'transient') return { contactId: delivery.contactId, status: 'pending', error: reason };
  log.warn('SMTP connection lost mid-message: the delivery is resent by the next attempt', {
    contactId: delivery.contactId,
    messageId: delivery.messageId,
    reason,
  });
  return undefined;
}

/**
 * A batch's writes, grouped: outcomes are queued as SMTP answers arrive, and `commit` writes everything
 * queued in one transaction. Callers that ask while a commit runs share the next one.
 */
class DeliveryLedger {
  private outcomes: DeliveryOutcome[] = [];
  private marks: number[] = [];
  private running: Promise<unknown> | undefined;
  private nextCommit: Promise<Map<number, MarkResult>> | undefined;

  constructor(
    private readonly database: Database,
    private readonly newsletterId: number,
    private readonly domain: string,
  ) {}

  record(outcome: DeliveryOutcome): void {
    this.outcomes.push(outcome);
  }

  /** Commits every outcome queued so far, and marks `contactId` sending if given; says what became of it. */
  async commit(contactId?: number): Promise<MarkResult | undefined> {
    if (contactId !== undefined) this.marks.push(contactId);
    const results = await this.scheduleCommit();
    return contactId === undefined ? undefined : results.get(contactId);
  }

  private scheduleCommit(): Promise<Map<number, MarkResult>> {
    if (this.nextCommit) return this.nextCommit;
    const previous = this.running;
    const commit = (async () => {
      // Always yields once, so every caller in this tick joins this commit.
      await (previous ?? Promise.resolve()).catch(() => undefined);
      this.nextCommit = undefined;
      const outcomes = this.outcomes.splice(0);
      const marks = this.marks.splice(0);
      return this.database.dialect === 'sqlite'
        ? commitDeliveryLedgerSqlite(this.database, {
            newsletterId: this.newsletterId,
            outcomes,
            toMark: marks,
            messageIdDomain: this.domain,
          })
        : commitDeliveryLedger(this.database.db, this.newsletterId, outcomes, marks, this.domain);
    })();
    this.nextCommit = commit;
    this.running = commit;
    return commit;
  }
}

/**
 * Connections of one mailer, shared by every batch this worker process runs at once. Waiting lanes are
 * granted a connection in the order of their slots, whatever their batch or tenant: the rate's clocks
 * decide who sends next, and no slot is lost waiting behind lanes whose slot comes later.
 */
class Permits {
  private free: number;
  private readonly queue: Array<{ at: number; owner: object; grant: () => void }> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Whether a waiting lane's slot has come. */
  isDue(): boolean {
    return this.queue.length > 0 && this.queue[0]!.at <= Date.now();
  }

  /** Who gets the next connection released: the owner a waiting lane gave, if any. */
  nextOwner(): object | undefined {
    return this.queue[0]?.owner;
  }

  acquire(signal: AbortSignal, at: number, owner: object): Promise<void> {
    if (signal.aborted) return Promise.reject(new CancelledFailure('send cancelled'));
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        at,
        owner,
        grant: () => {
          signal.removeEventListener('abort', abort);
          resolve();
        },
      };
      const abort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new CancelledFailure('send cancelled'));
      };
      // After every waiter with an earlier or equal slot: first come, first served within a slot.
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1]!.at > at) i--;
      this.queue.splice(i, 0, waiter);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  release(): void {
    const waiter = this.queue.shift();
    if (waiter) waiter.grant();
    else this.free++;
  }
}

const permitsOf = new WeakMap<Mailer, Permits>();
function connectionPermits(mailer: Mailer): Permits {
  let permits = permitsOf.get(mailer);
  if (!permits) permitsOf.set(mailer, (permits = new Permits(Math.max(1, mailer.connections))));
  return permits;
}

/** Sleeps until `at` (ms since the epoch), or until the signal aborts. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const wait = at - Date.now();
  if (wait <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, wait);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A delivery's message: personalised, with its one-click unsubscribe link. */
function emailOf(
  newsletter: Newsletter,
  delivery: ClaimedDelivery,
  settings: ActivityDeps['settings'],
  tenantId: string,
): OutgoingEmail {
  const token = signUnsubscribeToken(tenantId, delivery.contactId, settings.linkSecret);
  return {
    // Checked by the batch against the tenant's verified senders; the envelope sender is the mailer's own.
    from: newsletter.from_address === null ? undefined : parseMailbox(newsletter.from_address),
    to: delivery.email,
    subject: personalise(newsletter.subject, delivery, 'text'),
    html: personalise(newsletter.html, delivery, 'html'),
    text: newsletter.text === null ? undefined : personalise(newsletter.text, delivery, 'text'),
    messageId: delivery.messageId,
    headers: {
      'List-Unsubscribe': `<${settings.publicBaseUrl}/unsubscribe/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
