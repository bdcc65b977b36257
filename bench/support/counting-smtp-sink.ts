/**
 * An SMTP sink in its own process, so it never competes for the event loop of what is measured. It
 * counts accepted messages per run (the first word of the subject) and reports the first and last arrival times over IPC.
 */
import { SMTPServer } from 'smtp-server';

interface Arrivals {
  count: number;
  first: number;
  last: number;
  /** The longest time between two arrivals (ms): where a rate-limited run lost time. */
  longestGapMs: number;
}
const runs = new Map<string, Arrivals>();

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 4096) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      const run = /^Subject: (\w+)/im.exec(head)?.[1] ?? 'other';
      const now = Date.now();
      const arrivals = runs.get(run) ?? { count: 0, first: now, last: now, longestGapMs: 0 };
      arrivals.longestGapMs = Math.max(arrivals.longestGapMs, now - arrivals.last);
      arrivals.count++;
      arrivals.last = now;
      runs.set(run, arrivals);
      callback();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as { port: number }).port });
});
process.on('message', (request: { run: string }) => {
  process.send!({ run: request.run, ...(runs.get(request.run) ?? { count: 0, first: 0, last: 0, longestGapMs: 0 }) });
});
process.on('disconnect', () => process.exit(0));
