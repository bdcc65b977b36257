import type SQLite from 'better-sqlite3';
import { databaseDriver } from '../connect';
import { now, type Database } from '../schema';
import { deliveryMessageId, type DeliveryOutcome, type MarkResult } from './sends';

/** The ledger's statements, prepared once per SQLite handle: a send commits once per message or so. */
interface LedgerStatements {
  sent: SQLite.Statement;
  reopenOrFail: SQLite.Statement;
  mark: SQLite.Statement;
  skip: SQLite.Statement;
  commit: SQLite.Transaction<
    (newsletterId: number, outcomes: DeliveryOutcome[], toMark: number[], domain: string) => Map<number, MarkResult>
  >;
}

const prepared = new WeakMap<SQLite.Database, LedgerStatements>();

function statementsOf(sqlite: SQLite.Database): LedgerStatements {
  const known = prepared.get(sqlite);
  if (known) return known;
  const sent = sqlite.prepare(
    `update deliveries set status = 'sent', last_error = null, sent_at = ?, updated_at = ?
     where newsletter_id = ? and contact_id = ? and status = 'sending'`,
  );
  const reopenOrFail = sqlite.prepare(
    `update deliveries set status = ?, last_error = ?, updated_at = ?
     where newsletter_id = ? and contact_id = ? and status = 'sending'`,
  );
  // A row already `sending` was handed to SMTP by an attempt that died: marking it again counts a resend.
  const mark = sqlite.prepare(
    `update deliveries set status = 'sending', attempts = attempts + 1, message_id = ?,
       resends = resends + case when status = 'sending' then 1 else 0 end, updated_at = ?
     where newsletter_id = ? and contact_id = ? and status in ('pending', 'sending')
       and exists (select 1 from contacts where id = ? and unsubscribed = 0)`,
  );
  const skip = sqlite.prepare(
    `update deliveries set status = 'skipped', updated_at = ?
     where newsletter_id = ? and contact_id = ? and status in ('pending', 'sending')`,
  );
  const commit = sqlite.transaction(
    (newsletterId: number, outcomes: DeliveryOutcome[], toMark: number[], domain: string) => {
      const at = now();
      for (const outcome of outcomes) {
        if (outcome.status === 'sent') sent.run(at, at, newsletterId, outcome.contactId);
        else reopenOrFail.run(outcome.status, outcome.error, at, newsletterId, outcome.contactId);
      }
      const result = new Map<number, MarkResult>();
      for (const id of toMark) {
        const messageId = deliveryMessageId(newsletterId, id, domain);
        if (mark.run(messageId, at, newsletterId, id, id).changes > 0) result.set(id, 'marked');
        // Still open but not marked: the contact unsubscribed.
        else result.set(id, skip.run(at, newsletterId, id).changes > 0 ? 'skipped' : 'closed');
      }
      return result;
    },
  );
  const statements = { sent, reopenOrFail, mark, skip, commit };
  prepared.set(sqlite, statements);
  return statements;
}

/**
 * `commitDeliveryLedger` on SQLite, same effect, as prepared statements in one transaction: no SQL to build
 * or compile per commit, which was most of a commit's cost. It holds kysely's connection while it runs, so
 * it never lands inside another caller's open transaction on the same handle.
 */
export async function commitDeliveryLedgerSqlite(
  database: Database,
  newsletterId: number,
  outcomes: DeliveryOutcome[],
  toMark: number[],
  messageIdDomain: string,
): Promise<Map<number, MarkResult>> {
  const driver = databaseDriver(database);
  if (!('sqlite' in driver)) throw new Error('commitDeliveryLedgerSqlite needs a SQLite database');
  const { commit } = statementsOf(driver.sqlite);
  return database.db.connection().execute(async () => commit(newsletterId, outcomes, toMark, messageIdDomain));
}
