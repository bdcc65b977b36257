import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCES = path.join(ROOT, 'src', 'cli', 'main.ts');
const COMPILED = path.join(ROOT, 'dist', 'cli', 'main.js');

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Temporal worker identity prefix (`<pid>@`), as ActivityTaskStarted events record it. */
  identityPrefix: string;
  output(): string;
  /** The exit code (or the signal's name) once it has exited. */
  exited: Promise<number | NodeJS.Signals>;
  running(): boolean;
  /** Sends the signal (if still running) and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** Spawns any program, keeping its output (also appended to `logFile` if given). */
export function spawnProc(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  logFile?: string,
): Proc {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    if (logFile) fs.appendFileSync(logFile, chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    identityPrefix: `${child.pid}@`,
    output: () => output,
    exited,
    running,
    async stop(signal) {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}

/**
 * `mailroom <command>` as its own OS process: from the sources through tsx, or, with `compiled`, the
 * build (`npm run build`: dist/ with the prebuilt workflow bundle), as the production image runs it.
 */
export function startMailroom(
  command: 'api' | 'worker' | 'migrate',
  env: Record<string, string | undefined>,
  options: { compiled?: boolean; name?: string; logFile?: string; args?: string[] } = {},
): Proc {
  const args = [
    ...(options.compiled ? [COMPILED, command] : ['--import', 'tsx', SOURCES, command]),
    ...(options.args ?? []),
  ];
  return spawnProc(options.name ?? command, process.execPath, args, { LOG_LEVEL: 'warn', ...env }, options.logFile);
}
