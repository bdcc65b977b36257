/**
 * What each process of a running system used over a phase of a bench: CPU seconds (from /proc, Linux) and,
 * for a worker, its event loop's delay (prom-client's histogram, reset by each scrape of its /metrics).
 * Says whether a slow step waited for the machine's CPU or for its own process's event loop.
 */
import fs from 'node:fs';

const TICKS_PER_SECOND = 100;

/** utime + stime of a process, seconds; NaN where /proc is not there. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The event-loop delay figures of a prom-client /metrics text, seconds. */
async function eventLoopLag(url: string): Promise<{ p99: number; max: number }> {
  const text = await fetch(url).then(
    (r) => r.text(),
    () => '',
  );
  const value = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
  return { p99: value('nodejs_eventloop_lag_p99_seconds'), max: value('nodejs_eventloop_lag_max_seconds') };
}

export interface UsageProbe {
  /** One line per process: CPU share of one core over the phase, and a worker's event-loop delay. */
  stop(): Promise<string[]>;
}

/** Starts measuring now; a worker's event-loop histogram is reset by the scrape made here. */
export async function probeUsage(
  processes: Array<{ name: string; pid: number | undefined }>,
  workerMetrics: Array<{ name: string; url: string }>,
): Promise<UsageProbe> {
  const startedAt = Date.now();
  const before = processes.map((p) => cpuSeconds(p.pid));
  await Promise.all(workerMetrics.map((w) => eventLoopLag(w.url)));
  return {
    async stop() {
      const seconds = (Date.now() - startedAt) / 1000;
      const lines = processes.map((p, i) => {
        const share = ((cpuSeconds(p.pid) - before[i]!) / seconds) * 100;
        return `${p.name}: ${share.toFixed(0)}% of a core`;
      });
      for (const w of workerMetrics) {
        const lag = await eventLoopLag(w.url);
        lines.push(
          `${w.name} event loop delay: p99 ${(lag.p99 * 1000).toFixed(0)} ms, max ${(lag.max * 1000).toFixed(0)} ms`,
        );
      }
      return lines;
    },
  };
}
