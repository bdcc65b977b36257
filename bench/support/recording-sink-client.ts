import { fork } from 'node:child_process';
import path from 'node:path';
import type { ArrivedEmail } from './recording-smtp-sink';

export type { ArrivedEmail };

export interface RecordingSink {
  port: number;
  url: string;
  /** Every message that arrived so far (as of the last poll), in arrival order. */
  emails: ArrivedEmail[];
  /** Fetches what arrived since the last poll and hands it to the waiters. */
  poll(): Promise<void>;
  /**
   * Resolves with the first `count` messages matching `match` that arrived from index `from` of `emails`
   * on (take `from` = emails.length before the request that causes them), or undefined after `timeoutMs`.
   * Only new messages are checked at each poll, so many waiters cost little during a flood.
   */
  waitForEmails(
    match: (email: ArrivedEmail) => boolean,
    count: number,
    from: number,
    timeoutMs: number,
  ): Promise<ArrivedEmail[] | undefined>;
  stop(): void;
}

interface Waiter {
  match(email: ArrivedEmail): boolean;
  count: number;
  found: ArrivedEmail[];
  deadline: number;
  resolve(found: ArrivedEmail[] | undefined): void;
}

/**
 * Starts bench/support/recording-smtp-sink.ts as a child process and reads its records over IPC, every
 * `everyMs` while someone waits. Arrival times are the sink's Date.now(), the same clock as the caller's.
 */
export function startRecordingSink(everyMs = 50): Promise<RecordingSink> {
  const child = fork(path.join(__dirname, 'recording-smtp-sink.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const emails: ArrivedEmail[] = [];
  const waiters = new Set<Waiter>();
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const offer = (email: ArrivedEmail, waiter: Waiter) => {
    if (waiter.found.length < waiter.count && waiter.match(email)) waiter.found.push(email);
  };
  const settle = () => {
    const now = Date.now();
    for (const waiter of waiters) {
      if (waiter.found.length >= waiter.count) waiter.resolve(waiter.found);
      else if (now > waiter.deadline) waiter.resolve(undefined);
      else continue;
      waiters.delete(waiter);
    }
    if (waiters.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const poll = () => {
    // One request at a time: replies carry no id, so they must come back in order.
    inFlight ??= new Promise<void>((resolve) => {
      child.once('message', (reply: { emails: ArrivedEmail[] }) => {
        for (const email of reply.emails) {
          emails.push(email);
          for (const waiter of waiters) offer(email, waiter);
        }
        settle();
        resolve();
      });
      child.send({ since: emails.length });
    }).finally(() => (inFlight = undefined));
    return inFlight;
  };

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: { port: number }) =>
      resolve({
        port: message.port,
        url: `smtp://127.0.0.1:${message.port}`,
        emails,
        poll,
        waitForEmails(match, count, from, timeoutMs) {
          return new Promise((done) => {
            const waiter: Waiter = { match, count, found: [], deadline: Date.now() + timeoutMs, resolve: done };
            for (let i = from; i < emails.length; i++) offer(emails[i]!, waiter);
            waiters.add(waiter);
            settle();
            if (waiters.size > 0) timer ??= setInterval(() => void poll(), everyMs);
          });
        },
        stop: () => {
          if (timer) clearInterval(timer);
          child.kill();
        },
      }),
    );
  });
}
