import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Settings } from '../../src/settings';

const CLI = path.resolve(__dirname, '../../src/cli/main.ts');

export interface WorkerProcess {
  child: ChildProcess;
  /** Its Temporal worker identity's prefix (`<pid>@`), as ActivityTaskStarted events record it. */
  identityPrefix: string;
  /** Everything it printed so far. */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** `mailroom worker` as its own OS process, so a test can SIGKILL it like a crashed machine. */
export function startWorkerProcess(settings: Settings, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      MAILROOM_TASK_QUEUE: settings.taskQueue,
      MAILROOM_DATA_DIR: settings.dataDir,
      DATABASE_URL: settings.databaseUrl,
      LINK_SECRET: settings.linkSecret,
      PUBLIC_BASE_URL: settings.publicBaseUrl,
      SMTP_URL: settings.smtpUrl ?? '',
      MAILROOM_EMAIL_RATE: String(settings.emailRate),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    identityPrefix: `${child.pid}@`,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
