import type SQLite from 'better-sqlite3';
import { databaseDriver } from '../connect';
import { now, type Database } from '../schema';
import { deliveryMessageId, type DeliveryOutcome, type MarkResult } from './sends';

/** One send's part of a commit: the outcomes to record and the deliveries to mark `sending`. */
export interface LedgerEntry {
  newsletterId: number;
  outcomes: DeliveryOutcome[];
  toMark: number[];
  messageIdDomain: string;
}

/** The ledger's statements, prepared once per SQLite handle: a send commits once per message or so. */
interface LedgerStatements {
  sent: SQLite.Statement;
  reopenOrFail: SQLite.Statement;
  mark: SQLite.Statement;
  skip: SQLite.Statement;
  commit: SQLite.Transaction<(entries: LedgerEntry[]) => Array<Map<number, MarkResult>>>;
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
  const commitOne = ({ newsletterId, outcomes, toMark, messageIdDomain }: LedgerEntry, at: string) => {
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') sent.run(at, at, newsletterId, outcome.contactId);
      else reopenOrFail.run(outcome.status, outcome.error, at, newsletterId, outcome.contactId);
    }
    const result = new Map<number, MarkResult>();
    for (const id of toMark) {
      const messageId = deliveryMessageId(newsletterId, id, messageIdDomain);
      if (mark.run(messageId, at, newsletterId, id, id).changes > 0) result.set(id, 'marked');
      // Still open but not marked: the contact unsubscribed.
      else result.set(id, skip.run(at, newsletterId, id).changes > 0 ? 'skipped' : 'closed');
    }
    return result;
  };
  const commit = sqlite.transaction((entries: LedgerEntry[]) => {
    const at = now();
    return entries.map((entry) => commitOne(entry, at));
  });
  const statements = { sent, reopenOrFail, mark, skip, commit };
  prepared.set(sqlite, statements);
  return statements;
}

/**
 * `commitDeliveryLedger` on SQLite, same effect, for several sends' ledgers in one transaction, as prepared
 * statements: no SQL to build or compile, and one WAL commit (most of a commit's cost) for all of them. It
 * never lands inside another caller's open transaction on the same handle: then it waits for kysely's
 * connection. Returns, per entry, what became of each delivery it asked to mark.
 */
export async function commitDeliveryLedgersSqlite(
  database: Database,
  entries: LedgerEntry[],
): Promise<Array<Map<number, MarkResult>>> {
  const driver = databaseDriver(database);
  if (!('sqlite' in driver)) throw new Error('commitDeliveryLedgersSqlite needs a SQLite database');
  const { commit } = statementsOf(driver.sqlite);
  // Run synchronously, nothing else runs on the handle meanwhile; kysely's connection (a new Kysely and a
  // lock per call, about a third of the commit's CPU) is needed only while another caller's transaction is
  // open on it, which this would otherwise join as a savepoint.
  if (!driver.sqlite.inTransaction) return commit(entries);
  return database.db.connection().execute(async () => commit(entries));
}

/**
 * The ledger commits of every send in this process, gathered per turn of the event loop into one
 * transaction: batches running side by side share the connections, so their answers arrive together.
 */
class SharedLedgerCommits {
  private pending: Array<{
    entry: LedgerEntry;
    resolve: (result: Map<number, MarkResult>) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(private readonly database: Database) {}

  commit(entry: LedgerEntry): Promise<Map<number, MarkResult>> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ entry, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const group = this.pending.splice(0);
    try {
      const results = await commitDeliveryLedgersSqlite(
        this.database,
        group.map((waiting) => waiting.entry),
      );
      group.forEach((waiting, i) => waiting.resolve(results[i]!));
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}

const shared = new WeakMap<Database, SharedLedgerCommits>();

/** Commits one send's ledger entry on SQLite, in the same transaction as the other sends' of this turn. */
export function commitDeliveryLedgerSqlite(database: Database, entry: LedgerEntry): Promise<Map<number, MarkResult>> {
  let commits = shared.get(database);
  if (!commits) shared.set(database, (commits = new SharedLedgerCommits(database)));
  return commits.commit(entry);
}
