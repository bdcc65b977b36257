/**
 * Runs in a worker thread of the mailer's compose pool: builds messages' MIME bytes. A campaign's messages
 * are composed here, several per task, off the worker's event loop, which meanwhile drives the SMTP
 * connections, the ledger and every other task.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';

export interface ComposeRequest extends Mail.Options {
  envelope: { from: string; to: string };
}

export interface ComposeResult {
  envelope: { from: string | false; to: string[] };
  raw: Uint8Array;
}

export async function composeMessage(message: ComposeRequest): Promise<ComposeResult> {
  const node = new MailComposer(message).compile();
  const envelope = node.getEnvelope();
  return { envelope: { from: envelope.from, to: envelope.to }, raw: await node.build() };
}

/** Each message's bytes, or why it could not be built: one bad message fails only its own send. */
export default function composeMessages(messages: ComposeRequest[]): Promise<Array<ComposeResult | { error: string }>> {
  return Promise.all(
    messages.map((message) =>
      composeMessage(message).catch((error: unknown) => ({
        error: error instanceof Error ? error.message : String(error),
      })),
    ),
  );
}
