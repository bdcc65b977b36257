/**
 * An SMTP sink in its own process, for timing: the test process runs the API and a Temporal client, and
 * a busy moment there would bunch arrivals that were in fact spread out. It only notes when each
 * message's data ended and who it was for, and hands the list over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { SMTPServer } from 'smtp-server';

export interface Arrival {
  at: number;
  to: string[];
  subject: string;
}

if (require.main === module) {
  const arrivals: Arrival[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
        arrivals.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), subject });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as { port: number }).port }));
  process.on('message', () => process.send!({ arrivals }));
}

/** Starts the sink process; `arrivals()` asks it for what it received so far. */
export async function startTimingSink(): Promise<{
  url: string;
  arrivals(): Promise<Arrival[]>;
  stop(): void;
}> {
  const child: ChildProcess = fork(__filename, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as never));
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals: () =>
      new Promise((resolve) => {
        child.once('message', (reply: { arrivals: Arrival[] }) => resolve(reply.arrivals));
        child.send({});
      }),
    stop: () => void child.kill(),
  };
}
