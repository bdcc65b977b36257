import type { Dialect } from '../../src/db/schema';
import type { ActivityRun } from './activity-child';
import type { BaselineRun } from './baselines';
import type { WholePathRun } from './whole-path';

export interface SizeResult {
  rows: number;
  dialect: Dialect;
  seedMs: number;
  baseline: BaselineRun;
  activity: ActivityRun;
  path: WholePathRun;
}

export const TARGETS = {
  sqliteRatio: 2.5,
  postgresRatio: 2,
  pathOverheadMs: 300,
  /** What one export may add to the worker's resting RSS (VmHWM during the export − VmRSS before it). */
  exportAddsMb: 40,
  /** A compiled worker at rest. */
  restingRssMb: 150,
};

const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (value: number) => value.toFixed(0);
const ratio = (r: SizeResult) => r.activity.ms / r.baseline.ms;
const overhead = (r: SizeResult) => r.path.ms - r.activity.ms;
/** What the whole path spends outside the CSV writing in that same run: API, Temporal, prepare, publish, email. */
const orchestration = (r: SizeResult) => r.path.ms - r.path.inWorkerActivityMs;
export const exportAdds = (r: SizeResult) => r.path.workerPeakRssMb - r.path.workerIdleRssMb;
const settled = (r: SizeResult) =>
  r.path.settledAfterMs === undefined
    ? '(its RSS never fell while idle)'
    : `(its RSS last fell ${s(r.path.settledAfterMs + 1000)} s after the warm-up)`;
const baselineName = (dialect: Dialect) => (dialect === 'sqlite' ? 'sqlite3 -csv' : 'psql COPY');

export function markdownTable(results: SizeResult[]): string {
  const head = [
    'rows',
    'db',
    'baseline',
    'baseline s',
    'activity s',
    'activity / baseline',
    'whole path POST → email s',
    'whole − activity s',
    'worker resting RSS MB',
    'worker 1 s after warm-up MB',
    'worker peak RSS MB',
    'export adds MB',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of results) {
    lines.push(
      `| ${r.rows.toLocaleString('en')} | ${r.dialect} | ${baselineName(r.dialect)} | ${s(r.baseline.ms)} | ${s(r.activity.ms)} | ` +
        `${ratio(r).toFixed(2)}× | ${s(r.path.ms)} | ${s(overhead(r))} | ${mb(r.path.workerIdleRssMb)} | ` +
        `${mb(r.path.workerAfterWarmUpRssMb)} | ${mb(r.path.workerPeakRssMb)} | +${mb(exportAdds(r))} |`,
    );
  }
  return lines.join('\n');
}

/** One line per target, met or not, with the figures that decide it. */
export function verdicts(results: SizeResult[], pgNote?: string): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const list = (rs: SizeResult[], f: (r: SizeResult) => string) =>
    rs.map((r) => `${r.rows.toLocaleString('en')}: ${f(r)}`).join(', ');
  const lines: string[] = [];

  const sqlite = results.filter((r) => r.dialect === 'sqlite');
  lines.push(
    `- activity ≤ ${TARGETS.sqliteRatio}× sqlite3 -csv: ${verdict(sqlite.every((r) => ratio(r) <= TARGETS.sqliteRatio))} ` +
      `(${list(sqlite, (r) => `${ratio(r).toFixed(2)}×`)})`,
  );
  const pg = results.filter((r) => r.dialect === 'postgres');
  lines.push(
    pg.length === 0
      ? `- activity on PostgreSQL ≤ ${TARGETS.postgresRatio}× psql COPY: not measured (${pgNote ?? 'no PostgreSQL'})`
      : `- activity on PostgreSQL ≤ ${TARGETS.postgresRatio}× psql COPY: ${verdict(pg.every((r) => ratio(r) <= TARGETS.postgresRatio))} ` +
          `(${list(pg, (r) => `${ratio(r).toFixed(2)}×`)})`,
  );
  lines.push(
    `- whole path ≤ activity + ${s(TARGETS.pathOverheadMs)} s: ${verdict(results.every((r) => overhead(r) <= TARGETS.pathOverheadMs))} ` +
      `(${list(results, (r) => `${r.dialect} +${s(overhead(r))} s`)}; against the activity as it ran inside that worker: ` +
      `${list(results, (r) => `${r.dialect} +${s(orchestration(r))} s`)})`,
  );
  lines.push(
    `- the export adds ≤ ${TARGETS.exportAddsMb} MB to the resting worker: ${verdict(results.every((r) => exportAdds(r) <= TARGETS.exportAddsMb))} ` +
      `(${list(results, (r) => `${r.dialect} +${mb(exportAdds(r))}`)}; activity alone in its own process: ` +
      `${list(results, (r) => `${r.dialect} +${mb(r.activity.peakRssMb - r.activity.rssBeforeMb)}`)})`,
  );
  const resting = results.map((r) => r.path.workerIdleRssMb);
  lines.push(
    `- compiled worker rests ≤ ${TARGETS.restingRssMb} MB: ${verdict(Math.max(...resting) <= TARGETS.restingRssMb)} ` +
      `(${list(results, (r) => `${r.dialect} ${mb(r.path.workerIdleRssMb)} ${settled(r)}`)}; 1 s after the warm-up export: ` +
      `${list(results, (r) => `${r.dialect} ${mb(r.path.workerAfterWarmUpRssMb)}`)}; just started: ` +
      `${list(results, (r) => `${r.dialect} ${mb(r.path.workerStartedRssMb)}`)})`,
  );
  const demo = results.filter((r) => r.rows === 500_000);
  const shas = new Set(demo.flatMap((r) => [r.activity.sha256, r.path.sha256]));
  lines.push(
    demo.length === 0
      ? '- sha256 of the 500,000-row demo export: not measured (no 500k run)'
      : `- sha256 of the 500,000-row demo export: ${[...shas].join(' / ')} ` +
          `(${shas.size === 1 ? 'the same' : 'DIFFERENT'} from ${demo.length * 2} exports, activity alone and whole path, ${demo.map((r) => r.dialect).join(' + ')})`,
  );
  return lines;
}

/** Figures that explain the table without crowding it. */
export function details(results: SizeResult[]): string[] {
  return results.map(
    (r) =>
      `- ${r.rows.toLocaleString('en')} ${r.dialect}: seeded in ${s(r.seedMs)} s; CSV ${(r.baseline.bytes / 2 ** 20).toFixed(1)} MB (baseline) vs ` +
      `${(r.activity.bytes / 2 ** 20).toFixed(1)} MB (activity, ${r.activity.chunks} chunks, sha256 ${r.activity.sha256.slice(0, 12)}…); ` +
      `POST answered in ${r.path.postMs.toFixed(0)} ms; first (warm-up, ≤1,000-row) export POST → email ${s(r.path.warmUpMs)} s; ` +
      `worker (${r.path.runner}) peak by ${r.path.peakMeasuredBy}, its peak before the measured export (start-up, warm-up) ${mb(r.path.workerStartupPeakMb)} MB; ` +
      `activity alone: ${mb(r.activity.rssBeforeMb)} MB before its first row, peak ${mb(r.activity.peakRssMb)} MB, ` +
      `${s(r.activity.cpuMs)} CPU-s; in the worker: ` +
      Object.entries(r.path.activityMsByType)
        .map(([type, ms]) => `${type} ${ms.toFixed(0)} ms`)
        .join(', ') +
      `, activities queued ${r.path.queuedMs.toFixed(0)} ms in all, ${s(r.path.workerCpuMs)} CPU-s of the worker process`,
  );
}
