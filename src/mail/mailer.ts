import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { Piscina } from 'piscina';
import type { Settings } from '../settings';
import { composeMessage, type ComposeRequest, type ComposeResult } from './compose-thread';

export interface OutgoingEmail {
  to: string;
  /**
   * The From header: a newsletter's verified sender, or `MAIL_FROM` when absent. Never the envelope: the
   * SMTP MAIL FROM of every message is the service's `BOUNCE_ADDRESS`.
   */
  from?: string | { name: string; address: string };
  subject: string;
  text?: string;
  html?: string;
  /** Fixed per purpose: a resend after a crash carries the same id, so mail systems collapse it. */
  messageId: string;
  headers?: Record<string, string>;
}

/** A message built ahead of its send: its MIME bytes and its envelope. */
export interface ComposedEmail {
  /** As nodemailer normalised it (punycode domains, parsed addresses). */
  envelope: { from: string | false; to: string[] };
  raw: Buffer;
  messageId: string;
}

export interface Mailer {
  /**
   * How many messages this mailer has in SMTP transactions at once at most (the pool's connections):
   * callers keep at most this many deliveries of unknown fate.
   */
  readonly connections: number;
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  /**
   * Builds the messages (the CPU part of a send), over SMTP together in a worker thread once it is up (on
   * this thread until then): a campaign's messages are composed ahead of their sends while this thread
   * drives the connections. One promise per email.
   */
  compose(emails: OutgoingEmail[]): Array<Promise<ComposedEmail>>;
  /**
   * Sends a message `compose` built; exactly what `send` of the same email sends. With `release`, the SMTP
   * transaction starts at once but the message's end is held until `release` resolves: the server cannot
   * accept it before then. Released with false, the message is withdrawn (never accepted) and this rejects
   * with `MessageWithdrawn`.
   */
  sendComposed(email: ComposedEmail, release?: Promise<boolean>): Promise<{ messageId: string }>;
  close(): void;
}

/** A message whose `release` said no: it was never accepted by the server. */
export class MessageWithdrawn extends Error {
  constructor() {
    super('message withdrawn before its end');
    this.name = 'MessageWithdrawn';
  }
}

/**
 * The message's bytes with their end held back until `release`: SMTP ends a message with a line holding a
 * dot, which the transport writes only after the stream ends, so the server has everything but cannot
 * accept it yet. A withdrawn message's stream fails, and the transport drops that connection mid-DATA.
 * `release` never rejects (the caller turns a failure into false).
 */
function heldUntil(raw: Buffer, release: Promise<boolean>): Readable {
  const stream = new Readable({ read: () => undefined });
  stream.push(raw);
  void release.then((go) => (go ? stream.push(null) : stream.destroy(new MessageWithdrawn())));
  return stream;
}

/** SMTP through a pooled transport when SMTP_URL is set, else one `.eml` file per message in the outbox. */
export function createMailer(
  settings: Pick<Settings, 'smtpUrl' | 'smtpPoolSize' | 'mailFrom' | 'bounceAddress' | 'dataDir'>,
): Mailer {
  // The envelope is set, never derived from the headers: bounces come to the service, and a tenant's
  // text can neither name the envelope sender nor add a recipient.
  const message = (email: OutgoingEmail): ComposeRequest => ({
    ...email,
    from: email.from ?? settings.mailFrom,
    envelope: { from: settings.bounceAddress, to: email.to },
  });
  if (settings.smtpUrl) {
    // What nodemailer's send builds from these options (no X-Mailer, priority, list or DKIM options are
    // used), without the rest of its send pipeline: the pool then streams the bytes as they are.
    const composed = (email: OutgoingEmail, built: ComposeResult): ComposedEmail => ({
      envelope: built.envelope,
      raw: Buffer.from(built.raw.buffer, built.raw.byteOffset, built.raw.byteLength),
      messageId: email.messageId,
    });
    const composeHere = async (email: OutgoingEmail) => composed(email, await composeMessage(message(email)));
    const threads = composePool();
    const compose = (emails: OutgoingEmail[]) => {
      const pool = threads.ready();
      if (!pool) return emails.map(composeHere);
      const built = pool.run(emails.map(message)) as Promise<Array<ComposeResult | { error: string }>>;
      return emails.map(async (email, i) => {
        const result = (await built)[i]!;
        if ('error' in result) throw new Error(result.error);
        return composed(email, result);
      });
    };
    const transport = nodemailer.createTransport({
      url: settings.smtpUrl,
      pool: true,
      maxConnections: settings.smtpPoolSize,
      maxMessages: Infinity,
      // Never resend behind the caller's back: a connection that drops mid-message fails that message,
      // and the caller, which records every delivery's fate, decides what to send again.
      maxRequeues: 0,
      // A server that stops answering fails the message within a minute instead of ten.
      socketTimeout: 60_000,
    } as SMTPPool.Options);
    // Compose one message at start: the first real send then loads no code, so it leaves on its slot.
    void composeHere({
      to: settings.mailFrom,
      subject: 'warm-up',
      text: 'x',
      html: '<p>x</p>',
      messageId: '<warm-up@x>',
    }).catch(() => undefined);
    // The built bytes go to the pool as they are: through `sendMail`, a raw message is parsed into a MIME
    // node again (a new boundary and Message-ID drawn, address parsing, two more stream pipelines), which
    // cost as much as composing it.
    const pool = transport.transporter as unknown as { send(mail: unknown, done: (error: Error | null) => void): void };
    const sendComposed = async (email: ComposedEmail, release?: Promise<boolean>) => {
      // Handled now: the transport asks for the stream only at DATA, and a release that fails before then
      // (the ledger's database gone) must withdraw the message, not crash the process unhandled.
      const go = (release ?? Promise.resolve(true)).catch(() => false);
      const message = {
        getHeader: (key: string) => (key.toLowerCase() === 'message-id' ? email.messageId : undefined),
        getEnvelope: () => email.envelope,
        messageId: () => email.messageId,
        createReadStream: () => heldUntil(email.raw, go),
      };
      try {
        await new Promise<void>((resolve, reject) =>
          pool.send({ data: {}, message }, (error) => (error ? reject(error) : resolve())),
        );
      } catch (error) {
        // Whatever the transport wrapped it in, a withdrawn message was not accepted.
        if (!(await go)) throw new MessageWithdrawn();
        throw error;
      }
      return { messageId: email.messageId };
    };
    return {
      connections: settings.smtpPoolSize,
      // One message (a link, a summary) is composed here: a thread would cost more than it saves.
      send: async (email) => sendComposed(await composeHere(email)),
      compose,
      sendComposed,
      close: () => {
        transport.close();
        threads.close();
      },
    };
  }
  const outbox = path.join(settings.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const composeFile = async (email: OutgoingEmail): Promise<ComposedEmail> => {
    const built = message(email);
    const info = await transport.sendMail(built);
    return {
      envelope: { from: built.envelope.from, to: [built.envelope.to] },
      raw: info.message as Buffer,
      messageId: email.messageId,
    };
  };
  const writeFile = async (email: ComposedEmail) => {
    await fs.promises.mkdir(outbox, { recursive: true });
    // Named after the Message-ID: a resend replaces the file instead of adding a second one.
    const name = email.messageId.replace(/[^A-Za-z0-9.@-]+/g, '_').replace(/^_+|_+$/g, '');
    const file = path.join(outbox, `${name}.eml`);
    await fs.promises.writeFile(`${file}.tmp`, email.raw);
    await fs.promises.rename(`${file}.tmp`, file);
    return { messageId: email.messageId };
  };
  return {
    connections: settings.smtpPoolSize,
    send: async (email) => writeFile(await composeFile(email)),
    compose: (emails) => emails.map(composeFile),
    sendComposed: async (email, release) => {
      if (release && !(await release.catch(() => false))) throw new MessageWithdrawn();
      return writeFile(email);
    },
    close: () => transport.close(),
  };
}

/**
 * One composing thread, started at a batch's first messages and ended after a few idle seconds, so an idle
 * worker holds no second V8 heap. Until it is up (a few hundred milliseconds), messages are composed on the
 * caller's thread: no send waits for the thread to start. Run from the TypeScript sources, the thread loads
 * them through tsx too.
 */
function composePool() {
  let pool: Piscina | undefined;
  let up = false;
  let starting: Promise<void> | undefined;
  return {
    /** The pool when its thread is up; otherwise starts it and answers undefined. */
    ready(): Piscina | undefined {
      if (up) return pool;
      if (!pool) {
        const filename = path.join(__dirname, `compose-thread${path.extname(__filename)}`);
        const execArgv = filename.endsWith('.ts') && !process.execArgv.includes('tsx') ? ['--import', 'tsx'] : [];
        pool = new Piscina({
          filename,
          minThreads: 0,
          maxThreads: 1,
          idleTimeout: 5_000,
          // Every queued task is handed to the thread at once: one at a time, each would wait for a turn of
          // this thread's busy event loop to be dispatched, and the lanes for their messages.
          concurrentTasksPerWorker: 16,
          execArgv: [...process.execArgv, ...execArgv],
        });
        pool.on('workerDestroy', () => (up = false));
      }
      // An empty task loads the thread's module: once it answers, the thread composes.
      starting ??= pool
        .run([])
        .then(() => void (up = true))
        .catch(() => undefined)
        .finally(() => (starting = undefined));
      return undefined;
    },
    close(): void {
      void pool?.destroy();
      pool = undefined;
      up = false;
    },
  };
}
