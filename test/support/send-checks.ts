import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../src/db/schema';
import type { ReceivedEmail } from './smtp-sink';

/**
 * Copies per recipient as the SMTP server counted them, whatever the system says: `duplicates` is every
 * copy beyond the first. The server is the only witness a crash cannot fool.
 */
export function copiesAtServer(received: ReceivedEmail[]): { copies: Map<string, number>; duplicates: number } {
  const copies = new Map<string, number>();
  for (const email of received) for (const to of email.envelopeTo) copies.set(to, (copies.get(to) ?? 0) + 1);
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  return { copies, duplicates };
}

/**
 * The promise of a send, checked at the SMTP server and in the database: every subscribed recipient got
 * the newsletter under one Message-ID (a resend after a crash reuses it), nobody else got anything, and
 * each delivery row is sent with the Message-ID the server saw. Returns how many duplicate copies arrived,
 * counted per recipient at the server.
 */
export async function assertOneMessagePerRecipient(
  db: Kysely<DatabaseSchema>,
  newsletterId: number,
  received: ReceivedEmail[],
  subscribed: string[],
): Promise<{ duplicates: number; copies: Map<string, number> }> {
  const ids = new Map<string, Set<string>>();
  for (const email of received) {
    for (const to of email.envelopeTo) ids.set(to, (ids.get(to) ?? new Set()).add(email.mail.messageId!));
  }
  assert.deepEqual([...ids.keys()].sort(), [...subscribed].sort(), 'exactly the subscribed recipients received mail');
  for (const [to, set] of ids) assert.equal(set.size, 1, `${to} received ${set.size} different Message-IDs`);
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('contacts as c', 'c.id', 'd.contact_id')
    .select(['c.email', 'd.status', 'd.message_id'])
    .where('d.newsletter_id', '=', newsletterId)
    .execute();
  assert.equal(rows.length, subscribed.length);
  for (const row of rows) {
    assert.equal(row.status, 'sent', `${row.email} is ${row.status}`);
    assert.equal(
      row.message_id,
      [...ids.get(row.email)!][0],
      `${row.email}: database and server agree on the Message-ID`,
    );
  }
  return copiesAtServer(received);
}

/**
 * Deliveries of a newsletter in `sending`: handed to SMTP by an attempt that has not recorded the outcome;
 * with `since` (an ISO time), only those marked after it.
 */
export async function countSending(db: Kysely<DatabaseSchema>, newsletterId: number, since?: string): Promise<number> {
  let query = db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('newsletter_id', '=', newsletterId)
    .where('status', '=', 'sending');
  if (since) query = query.where('updated_at', '>', since);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface ActivityRun {
  /** The attempt that the history's ActivityTaskStarted event records (the last one). */
  attempt: number;
  /** The worker that ran that attempt: `<pid>@<host>` by default. */
  identity: string;
  /** The completed attempt's result, if it completed. */
  result?: unknown;
  failed: boolean;
  timedOut: boolean;
}

/** Every run of one activity type in a workflow's history (all runs of a continue-as-new chain if given). */
export async function activityRuns(handles: WorkflowHandle[], activityType: string): Promise<ActivityRun[]> {
  const runs: ActivityRun[] = [];
  for (const handle of handles) {
    const events = (await handle.fetchHistory()).events ?? [];
    const byScheduled = new Map<string, ActivityRun>();
    const scheduledType = new Map<string, string>();
    for (const event of events) {
      const id = String(event.eventId);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) scheduledType.set(id, scheduled.activityType?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      if (started && scheduledType.get(String(started.scheduledEventId)) === activityType) {
        const run: ActivityRun = {
          attempt: started.attempt ?? 1,
          identity: started.identity ?? '',
          failed: false,
          timedOut: false,
        };
        byScheduled.set(String(started.scheduledEventId), run);
        runs.push(run);
      }
      const completed = event.activityTaskCompletedEventAttributes;
      const completedRun = completed && byScheduled.get(String(completed.scheduledEventId));
      if (completedRun) {
        const payload = completed.result?.payloads?.[0];
        completedRun.result = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
      }
      const failed = event.activityTaskFailedEventAttributes;
      const failedRun = failed && byScheduled.get(String(failed.scheduledEventId));
      if (failedRun) failedRun.failed = true;
      const timedOut = event.activityTaskTimedOutEventAttributes;
      const timedOutRun = timedOut && byScheduled.get(String(timedOut.scheduledEventId));
      if (timedOutRun) timedOutRun.timedOut = true;
    }
  }
  return runs;
}

/** Attempts that failed or timed out before the recorded one: the retries the recovery path ran. */
export const failedAttempts = (runs: ActivityRun[]) =>
  runs.reduce((sum, run) => sum + (run.attempt - 1) + (run.failed || run.timedOut ? 1 : 0), 0);

/** Polls `probe` every `everyMs` until it is truthy; fails naming `what` after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
