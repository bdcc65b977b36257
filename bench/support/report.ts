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
  sqliteRatio: 3,
  postgresRatio: 2,
  pathOverheadMs: 1_000,
  peakRssMb: 150,
  /** "Flat across sizes": the largest size's peak no more than this above the smallest's. */
  flatSpreadMb: 20,
};

const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (value: number) => value.toFixed(0);
const ratio = (r: SizeResult) => r.activity.ms / r.baseline.ms;
const overhead = (r: SizeResult) => r.path.ms - r.activity.ms;
/** What the whole path spends outside the CSV writing in that same run: API, Temporal, prepare, publish, email. */
const orchestration = (r: SizeResult) => r.path.ms - r.path.inWorkerActivityMs;
const baselineName = (dialect: Dialect) => (dialect === 'sqlite' ? 'sqlite3 -csv' : 'psql COPY');

export function markdownTable(results: SizeResult[]): string {
  const head = [
    'rows',
    'db',
    'baseline',
    'baseline s',
    'activity s',
    'activity / baseline',
    'whole path s',
    'in-worker activity s',
    'whole − activity s',
    'whole − in-worker activity s',
    'activity peak RSS MB',
    'worker peak RSS MB (export)',
    'worker idle RSS MB',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of results) {
    lines.push(
      `| ${r.rows.toLocaleString('en')} | ${r.dialect} | ${baselineName(r.dialect)} | ${s(r.baseline.ms)} | ${s(r.activity.ms)} | ` +
        `${ratio(r).toFixed(2)}× | ${s(r.path.ms)} | ${s(r.path.inWorkerActivityMs)} | ${s(overhead(r))} | ${s(orchestration(r))} | ` +
        `${mb(r.activity.peakRssMb)} | ${mb(r.path.workerPeakRssMb)} | ${mb(r.path.workerIdleRssMb)} |`,
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
    `- whole path ≤ activity + 1 s: ${verdict(results.every((r) => overhead(r) <= TARGETS.pathOverheadMs))} ` +
      `(${list(results, (r) => `${r.dialect} +${s(overhead(r))} s`)}; in-worker activity vs alone: ` +
      `${list(results, (r) => `${r.dialect} ${s(r.path.inWorkerActivityMs)} vs ${s(r.activity.ms)} s`)})`,
  );
  lines.push(
    `- (same target, against the activity as it ran inside that worker) whole path − in-worker activity ≤ 1 s: ` +
      `${verdict(results.every((r) => orchestration(r) <= TARGETS.pathOverheadMs))} (${list(results, (r) => `${r.dialect} +${s(orchestration(r))} s`)})`,
  );
  const peaks = results.flatMap((r) => [r.activity.peakRssMb, r.path.workerPeakRssMb]);
  const flat = (['sqlite', 'postgres'] as const).every((dialect) => {
    const rs = results.filter((r) => r.dialect === dialect);
    if (rs.length < 2) return true;
    return [rs.map((r) => r.activity.peakRssMb), rs.map((r) => r.path.workerPeakRssMb)].every(
      (series) => Math.max(...series) - Math.min(...series) <= TARGETS.flatSpreadMb,
    );
  });
  lines.push(
    `- peak RSS ≤ ${TARGETS.peakRssMb} MB: ${verdict(Math.max(...peaks) <= TARGETS.peakRssMb)} (highest ${mb(Math.max(...peaks))} MB, ` +
      `activity alone and worker during the export; what the export adds above the process at rest: ` +
      `${list(results, (r) => `${r.dialect} activity +${mb(r.activity.peakRssMb - r.activity.rssBeforeMb)}, worker +${mb(r.path.workerPeakRssMb - r.path.workerIdleRssMb)}`)})`,
  );
  lines.push(
    `- peak RSS flat across sizes (spread ≤ ${TARGETS.flatSpreadMb} MB per series): ${verdict(flat)} ` +
      `(activity: ${list(results, (r) => `${r.dialect} ${mb(r.activity.peakRssMb)}`)}; worker: ${list(results, (r) => `${r.dialect} ${mb(r.path.workerPeakRssMb)}`)})`,
  );
  return lines;
}

/** Figures that explain the table without crowding it. */
export function details(results: SizeResult[]): string[] {
  return results.map(
    (r) =>
      `- ${r.rows.toLocaleString('en')} ${r.dialect}: seeded in ${s(r.seedMs)} s; CSV ${(r.baseline.bytes / 2 ** 20).toFixed(1)} MB (baseline) vs ` +
      `${(r.activity.bytes / 2 ** 20).toFixed(1)} MB (activity, ${r.activity.chunks} chunks); POST answered in ${r.path.postMs.toFixed(0)} ms; ` +
      `first (warm-up, ≤1,000-row) export POST → email ${s(r.path.warmUpMs)} s; ` +
      `worker peak by ${r.path.peakMeasuredBy}, its peak before the measured export (start-up with workflow bundling, warm-up) ${mb(r.path.workerStartupPeakMb)} MB; ` +
      `activity child RSS before its first row ${mb(r.activity.rssBeforeMb)} MB; in the worker: ` +
      Object.entries(r.path.activityMsByType)
        .map(([type, ms]) => `${type} ${ms.toFixed(0)} ms`)
        .join(', ') +
      `, activities queued ${r.path.queuedMs.toFixed(0)} ms in all`,
  );
}
