/**
 * An SMTP sink in its own process (so it never competes for the event loop of what is measured) that
 * records every accepted message: arrival time (Date.now() when the DATA ends, the moment the server
 * accepts it), envelope recipients, Subject and Message-ID. The parent reads the records over IPC with
 * `{ since: n }` and gets those from index n on.
 */
import { SMTPServer } from 'smtp-server';

export interface ArrivedEmail {
  at: number;
  to: string[];
  subject: string;
  messageId: string;
}

const arrived: ArrivedEmail[] = [];

/** The value of one header in the head of a message, with folded lines joined. */
function header(head: string, name: string): string {
  const unfolded = head.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded)?.[1]?.trim() ?? '';
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 8192) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      arrived.push({
        at: Date.now(),
        to: session.envelope.rcptTo.map((r) => r.address),
        subject: header(head, 'Subject'),
        messageId: header(head, 'Message-ID'),
      });
      callback();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as { port: number }).port });
});
process.on('message', (request: { since: number }) => {
  process.send!({ emails: arrived.slice(request.since) });
});
process.on('disconnect', () => process.exit(0));
