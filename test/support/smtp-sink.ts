import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  envelopeTo: string[];
  mail: ParsedMail;
  receivedAt: number;
}

export interface SmtpSinkOptions {
  /** An SMTP error for this recipient (e.g. 550 or 451), or undefined to accept it. */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
  /** Milliseconds between receiving a message and answering 250, like a remote server's latency. */
  acceptDelayMs?: number;
}

/** A real SMTP server on a loopback port that keeps what it receives; it can be stopped and restarted. */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  /**
   * Runs after a message is received (and kept in `received`) but before the server answers 250: the
   * client cannot know yet that it was accepted. A test can kill the client here, mid-transaction.
   */
  beforeReply?: (email: ReceivedEmail) => Promise<void> | void;
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  /** Listens on a free port, or on the port it had before a stop. */
  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      // stop() drops open connections almost at once, like a server going down.
      closeTimeout: 100,
      onRcptTo: (address, _session, callback) => {
        const rejection = this.options.rejectRecipient?.(address.address);
        if (!rejection) return callback();
        const error = new Error(rejection.message) as Error & { responseCode: number };
        error.responseCode = rejection.code;
        callback(error);
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          async (mail) => {
            const email = { envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail, receivedAt: Date.now() };
            this.received.push(email);
            try {
              if (this.options.acceptDelayMs) await new Promise((r) => setTimeout(r, this.options.acceptDelayMs));
              await this.beforeReply?.(email);
              callback();
            } catch (error) {
              callback(error as Error);
            }
          },
          (error: Error) => callback(error),
        );
      },
    });
    // A killed client resets its connections; that is the point of some tests, not a failure.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Waits until `count` messages match, or fails after `timeoutMs`. */
  async waitFor(predicate: (email: ReceivedEmail) => boolean, count = 1, timeoutMs = 60_000): Promise<ReceivedEmail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.received.filter(predicate);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline)
        throw new Error(`expected ${count} email(s), got ${matching.length} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Closes the listener and drops open connections, like a mail server going down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
