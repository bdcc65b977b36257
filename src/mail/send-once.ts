import { findSentEmail, recordSentEmail } from '../db/queries/sent-emails';
import type { Database } from '../db/schema';
import type { Mailer, OutgoingEmail } from './mailer';

/** The Message-ID of a once-only email, fixed by its key. */
export const messageIdForKey = (key: string) => `<${key.replace(/[^A-Za-z0-9.-]+/g, '.')}@mailroom>`;

/**
 * Sends an email at most once per key: a retried activity finds the record and sends nothing. A crash
 * between the SMTP accept and the record resends it with the same Message-ID, which mail systems collapse.
 */
export async function sendOnce(
  database: Database,
  mailer: Mailer,
  key: string,
  email: Omit<OutgoingEmail, 'messageId'>,
): Promise<{ messageId: string; alreadySent: boolean }> {
  const sent = await findSentEmail(database.db, key);
  if (sent) return { messageId: sent.message_id, alreadySent: true };
  const messageId = messageIdForKey(key);
  await mailer.send({ ...email, messageId });
  await recordSentEmail(database.db, key, messageId);
  return { messageId, alreadySent: false };
}
