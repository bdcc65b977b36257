import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Runs a command with its stdout into `outFile`; resolves with the wall time in ms from spawn to exit. */
export async function timeCommand(command: string, args: string[], outFile: string): Promise<number> {
  const out = fs.openSync(outFile, 'w');
  const started = performance.now();
  try {
    const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`);
    return performance.now() - started;
  } finally {
    fs.closeSync(out);
  }
}

export interface Rss {
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set since start or since the last resetPeakRss, MB (Linux VmHWM). */
  peakMb: number;
}

export function readRss(pid: number): Rss {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/**
 * Resets a process's VmHWM to its current RSS (Linux ≥ 4.0, `clear_refs` 5), so the next reading is the
 * peak of what happened since. Returns false where the kernel refuses; callers then rely on sampling.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every few ms: the fallback peak when VmHWM cannot be reset. */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, readRss(pid).rssMb);
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export interface Started {
  child: ChildProcess;
  /** Exit code or signal once it has exited, else undefined. */
  exited(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Every process the bench starts, so an interrupted run still stops them all. */
const running = new Set<Started>();

export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Started {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  const started: Started = {
    child,
    exited: () => exit,
    async stop(graceMs = 15_000) {
      running.delete(started);
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
  running.add(started);
  return started;
}

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(5_000)));
}

/** Polls a URL until it answers 200; fails early if the process serving it exits. */
export async function waitForHttp(url: string, owner: Started, logFile: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (owner.exited() !== undefined)
      throw new Error(`process exited (${owner.exited()}) before ${url} answered; see ${logFile}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s; see ${logFile}`);
}
