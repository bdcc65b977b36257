import { sql, type Kysely } from 'kysely';
import type { ContactRange } from '../../shared/contracts';
import { now, type DatabaseSchema, type DeliveryStatus } from '../schema';

export type { ContactRange };

type Db = Kysely<DatabaseSchema>;

/** Atomically moves a draft to `sending`; false when it is already sending, sent, or not the tenant's. */
export async function claimDraftForSending(db: Db, tenantId: string, newsletterId: number): Promise<boolean> {
  const result = await db
    .updateTable('newsletters')
    .set({ status: 'sending' })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', newsletterId)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setNewsletterStatus(
  db: Db,
  newsletterId: number,
  status: 'draft' | 'sent' | 'cancelled',
): Promise<void> {
  await db
    .updateTable('newsletters')
    .set({ status, ...(status === 'draft' ? {} : { sent_at: now() }) })
    .where('id', '=', newsletterId)
    .execute();
}

/**
 * Creates the pending deliveries of the next `limit` subscribed contacts after `afterContactId`.
 * Idempotent: an existing row is left as it is. Returns where the next page starts, or undefined when
 * this page reached the last contact.
 */
export async function createDeliveryPage(
  db: Db,
  tenantId: string,
  newsletterId: number,
  afterContactId: number,
  limit: number,
): Promise<number | undefined> {
  const last = await db
    .selectFrom('contacts')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('unsubscribed', '=', 0)
    .where('id', '>', afterContactId)
    .orderBy('id')
    .offset(limit - 1)
    .limit(1)
    .executeTakeFirst();
  const upTo = last?.id;
  // INSERT … SELECT: one statement and a handful of parameters whatever the page size.
  await db
    .insertInto('deliveries')
    .columns([
      'newsletter_id',
      'contact_id',
      'status',
      'attempts',
      'opens',
      'clicks',
      'bounced',
      'unsubscribed',
      'updated_at',
    ])
    .expression((eb) => {
      let page = eb
        .selectFrom('contacts')
        .select((s) => [
          s.val(newsletterId).as('newsletter_id'),
          'id',
          s.val('pending').as('status'),
          s.val(0).as('attempts'),
          s.val(0).as('opens'),
          s.val(0).as('clicks'),
          s.val(0).as('bounced'),
          s.val(0).as('unsubscribed'),
          s.val(now()).as('updated_at'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('unsubscribed', '=', 0)
        .where('id', '>', afterContactId);
      if (upTo !== undefined) page = page.where('id', '<=', upTo);
      return page;
    })
    .onConflict((oc) => oc.columns(['newsletter_id', 'contact_id']).doNothing())
    .execute();
  // Fewer than `limit` contacts were left: that page was the last.
  return upTo;
}

/** The next `count` ranges of at most `batchSize` deliveries still to send, in contact order. */
export async function planSendRanges(
  db: Db,
  newsletterId: number,
  afterContactId: number,
  batchSize: number,
  count: number,
): Promise<ContactRange[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select('contact_id')
    .where('newsletter_id', '=', newsletterId)
    .where('status', 'in', ['pending', 'sending'])
    .where('contact_id', '>', afterContactId)
    .orderBy('contact_id')
    .limit(batchSize * count)
    .execute();
  const ranges: ContactRange[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const slice = rows.slice(i, i + batchSize);
    ranges.push({ from: slice[0]!.contact_id, to: slice[slice.length - 1]!.contact_id });
  }
  return ranges;
}

export interface ClaimedDelivery {
  contactId: number;
  email: string;
  firstName: string;
  lastName: string;
  unsubscribed: boolean;
  /** The previous attempt claimed it and died: it may have reached the SMTP server. */
  fateUnknown: boolean;
  attempts: number;
  messageId: string;
}

export const deliveryMessageId = (newsletterId: number, contactId: number, domain: string) =>
  `<nl${newsletterId}.c${contactId}@${domain}>`;

/** The range's deliveries not yet known to be sent; `sending` ones were handed to SMTP by an attempt that died. */
export async function listUnsentDeliveries(
  db: Db,
  newsletterId: number,
  range: ContactRange,
  messageIdDomain: string,
): Promise<ClaimedDelivery[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('contacts as c', 'c.id', 'd.contact_id')
    .select(['d.contact_id', 'd.status', 'd.attempts', 'c.email', 'c.first_name', 'c.last_name', 'c.unsubscribed'])
    .where('d.newsletter_id', '=', newsletterId)
    .where('d.contact_id', '>=', range.from)
    .where('d.contact_id', '<=', range.to)
    .where('d.status', 'in', ['pending', 'sending'])
    .orderBy('d.contact_id')
    .execute();
  return rows.map((row) => ({
    contactId: row.contact_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    unsubscribed: row.unsubscribed === 1,
    fateUnknown: row.status === 'sending',
    attempts: row.attempts + 1,
    messageId: deliveryMessageId(newsletterId, row.contact_id, messageIdDomain),
  }));
}

/** A delivery's recorded outcome after an attempt to hand it to SMTP. */
export type DeliveryOutcome =
  { contactId: number; status: 'sent' } | { contactId: number; status: 'failed' | 'pending'; error: string };

/** What became of a delivery asked to be marked `sending`. */
export type MarkResult = 'marked' | 'skipped' | 'closed';

/**
 * One commit of a send's ledger: first the outcomes of messages whose SMTP transaction ended (`sent`,
 * `failed`, or back to `pending` when the server said "not now"), then the deliveries about to be handed
 * to SMTP, marked `sending`. The usual case, messages accepted and the next ones marked, is one statement.
 *
 * A delivery is marked only while it is still `pending` or `sending` (a cancelled send's rows are never
 * revived) and its contact is still subscribed: one who unsubscribed since the batch was listed is
 * `skipped` here, and gets nothing. Marking a row that is already `sending` (an attempt that died left
 * its fate unknown) counts one resend. Returns, for each id asked to be marked, what became of it.
 */
export async function commitDeliveryLedger(
  db: Db,
  newsletterId: number,
  outcomes: DeliveryOutcome[],
  toMark: number[],
  messageIdDomain: string,
): Promise<Map<number, MarkResult>> {
  const result = new Map<number, MarkResult>();
  const at = now();
  for (const outcome of outcomes) {
    if (outcome.status === 'sent') continue;
    await db
      .updateTable('deliveries')
      .set({ status: outcome.status, last_error: outcome.error, updated_at: at })
      .where('newsletter_id', '=', newsletterId)
      .where('contact_id', '=', outcome.contactId)
      .where('status', '=', 'sending')
      .execute();
  }
  const sent = outcomes.filter((o) => o.status === 'sent').map((o) => o.contactId);
  if (sent.length === 0 && toMark.length === 0) return result;
  // `-1` is no contact: it keeps each IN list valid when one side is empty.
  const sentIds = sql.join(sent.length > 0 ? sent : [-1]);
  const markIds = sql.join(toMark.length > 0 ? toMark : [-1]);
  const isSent = sql`contact_id in (${sentIds})`;
  // Every id once, beside the status, in one IN list: the planners then seek the (newsletter, status,
  // contact) index for each row instead of scanning the whole send's rows, which made every commit O(N).
  const allIds = sql.join([...sent, ...toMark]);
  const { rows } = await sql<{ contact_id: number; status: string }>`
    update deliveries set
      status = case when ${isSent} then 'sent' else 'sending' end,
      last_error = case when ${isSent} then null else last_error end,
      sent_at = case when ${isSent} then ${at} else sent_at end,
      attempts = case when ${isSent} then attempts else attempts + 1 end,
      message_id = case when ${isSent} then message_id
        else '<nl' || newsletter_id || '.c' || contact_id || ${`@${messageIdDomain}>`} end,
      resends = case when ${isSent} then resends else resends + case when status = 'sending' then 1 else 0 end end,
      updated_at = ${at}
    where newsletter_id = ${newsletterId}
      and contact_id in (${allIds}) and status in ('pending', 'sending')
      and ((${isSent} and status = 'sending')
        or (contact_id in (${markIds})
          and contact_id in (select id from contacts where id in (${markIds}) and unsubscribed = 0)))
    returning contact_id, status`.execute(db);
  for (const row of rows) if (row.status === 'sending') result.set(Number(row.contact_id), 'marked');
  const rest = toMark.filter((id) => !result.has(id));
  if (rest.length > 0) {
    // Still open but not marked: the contact unsubscribed.
    const skipped = await db
      .updateTable('deliveries')
      .set({ status: 'skipped', updated_at: at })
      .where('newsletter_id', '=', newsletterId)
      .where('contact_id', 'in', rest)
      .where('status', 'in', ['pending', 'sending'])
      .returning('contact_id')
      .execute();
    for (const row of skipped) result.set(row.contact_id, 'skipped');
  }
  for (const id of toMark) if (!result.has(id)) result.set(id, 'closed');
  return result;
}

/** Closes a delivery that is never handed to SMTP: `skipped` (unsubscribed) or `failed` (an invalid address). */
export async function recordDelivery(
  db: Db,
  newsletterId: number,
  contactId: number,
  outcome: { status: Extract<DeliveryStatus, 'failed' | 'skipped'>; error?: string },
): Promise<void> {
  const at = now();
  await db
    .updateTable('deliveries')
    .set({
      status: outcome.status,
      last_error: outcome.error ?? null,
      updated_at: at,
    })
    .where('newsletter_id', '=', newsletterId)
    .where('contact_id', '=', contactId)
    .where('status', 'in', ['pending', 'sending'])
    .execute();
}

/** A stopped send: what was never handed to SMTP stays unsent, marked so. */
export async function cancelPendingDeliveries(db: Db, newsletterId: number): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'cancelled', updated_at: now() })
    .where('newsletter_id', '=', newsletterId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export type DeliveryCounts = Record<DeliveryStatus, number> & { resent: number };

export async function deliveryCounts(db: Db, newsletterId: number): Promise<DeliveryCounts> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('resends').as('resends')])
    .where('newsletter_id', '=', newsletterId)
    .groupBy('status')
    .execute();
  const counts: DeliveryCounts = {
    pending: 0,
    sending: 0,
    sent: 0,
    failed: 0,
    bounced: 0,
    skipped: 0,
    cancelled: 0,
    resent: 0,
  };
  for (const row of rows) {
    counts[row.status] = Number(row.n);
    counts.resent += Number(row.resends ?? 0);
  }
  return counts;
}
