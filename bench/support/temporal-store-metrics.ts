/**
 * How the Temporal server's own store fared over a phase of a bench: its `persistence_latency` histogram
 * (Prometheus, per operation) scraped before and after, the difference summarised. A dev server keeps
 * everything in one SQLite connection, so an operation's latency includes its wait for that connection:
 * when the store is the bottleneck, every step of every workflow waits on it.
 */

/** Per operation: requests, summed latency (s), cumulative bucket counts by upper bound (s). */
type Histograms = Map<string, { count: number; sum: number; buckets: Map<number, number> }>;

const SERIES = /^persistence_latency_(bucket|count|sum)\{([^}]*)\} ([\d.e+-]+|\+Inf|NaN)$/;

function parse(text: string): Histograms {
  const byOperation: Histograms = new Map();
  for (const line of text.split('\n')) {
    const match = SERIES.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const operation = labels.operation ?? '?';
    const entry = byOperation.get(operation) ?? { count: 0, sum: 0, buckets: new Map<number, number>() };
    byOperation.set(operation, entry);
    const value = Number(match[3]);
    if (match[1] === 'count') entry.count += value;
    else if (match[1] === 'sum') entry.sum += value;
    else {
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + value);
    }
  }
  return byOperation;
}

async function scrape(url: string): Promise<Histograms> {
  return parse(
    await fetch(url).then(
      (r) => r.text(),
      () => '',
    ),
  );
}

/** Upper bound of the bucket holding the p-th percentile (a histogram gives no finer figure). */
function percentileBound(buckets: Map<number, number>, count: number, p: number): number {
  const target = (p / 100) * count;
  for (const [le, cumulative] of [...buckets].sort((a, b) => a[0] - b[0])) if (cumulative >= target) return le;
  return Infinity;
}

export interface StoreFigures {
  seconds: number;
  requests: number;
  /** Summed latency of all operations over the phase's wall time: above 1, operations queue for the store. */
  busy: number;
  /** The operations that took most of the summed latency, most first. */
  top: Array<{ operation: string; count: number; meanMs: number; p99Ms: number; shareOfTime: number }>;
}

export interface StoreProbe {
  stop(): Promise<StoreFigures | undefined>;
}

/** Starts measuring the server's store now; no figures when the server exposes no metrics. */
export async function probeTemporalStore(metricsUrl: string | undefined): Promise<StoreProbe> {
  if (!metricsUrl) return { stop: async () => undefined };
  const startedAt = Date.now();
  const before = await scrape(metricsUrl);
  return {
    async stop() {
      const after = await scrape(metricsUrl);
      const seconds = (Date.now() - startedAt) / 1000;
      if (after.size === 0) return undefined;
      const deltas = [...after].map(([operation, a]) => {
        const b = before.get(operation);
        const count = a.count - (b?.count ?? 0);
        const buckets = new Map([...a.buckets].map(([le, n]) => [le, n - (b?.buckets.get(le) ?? 0)]));
        return { operation, count, sum: a.sum - (b?.sum ?? 0), buckets };
      });
      const total = deltas.reduce((acc, d) => acc + d.sum, 0);
      return {
        seconds,
        requests: deltas.reduce((acc, d) => acc + d.count, 0),
        busy: total / seconds,
        top: deltas
          .filter((d) => d.count > 0)
          .sort((x, y) => y.sum - x.sum)
          .slice(0, 6)
          .map((d) => ({
            operation: d.operation,
            count: d.count,
            meanMs: (d.sum / d.count) * 1000,
            p99Ms: percentileBound(d.buckets, d.count, 99) * 1000,
            shareOfTime: total > 0 ? d.sum / total : 0,
          })),
      };
    },
  };
}

/** One paragraph for a bench's report. */
export function describeStore(figures: StoreFigures | undefined): string {
  if (!figures) return "The Temporal server's store: no persistence metrics.";
  const ops = figures.top
    .map(
      (t) =>
        `${t.operation} ${t.count}× mean ${t.meanMs.toFixed(1)} ms p99 ≤ ${t.p99Ms.toFixed(0)} ms (${(t.shareOfTime * 100).toFixed(0)}%)`,
    )
    .join('; ');
  return (
    `The Temporal server's store over ${figures.seconds.toFixed(1)} s: ${figures.requests} operations, ` +
    `their latencies summed ${figures.busy.toFixed(2)}× the wall time (above 1: they queue for it). Most time: ${ops}.`
  );
}
