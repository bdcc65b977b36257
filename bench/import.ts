/**
 * Contact import benchmark (issue 4): a CSV of N lines received into the shared store and imported by
 * the import activities, each size in a fresh child process, with its peak RSS; the time set against
 * `sqlite3 .import` of the same file (no validation, no upsert) as a floor. Memory must not grow with N.
 *
 *   npm run bench:import                  # 10k, 100k and 300k lines
 *   npm run bench:import -- 10k 100k 1M
 *
 * What to read: V8 lets its heap fill with garbage up to a working size before collecting, so a short
 * import (10k) ends before reaching it; from there on the peak is flat, and the heap kept after a full
 * collection is the same at every size (nothing is retained per row).
 *
 * SQLite only; no Temporal server is needed (the activities run as the workflow calls them, chunk by chunk).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ImportRun } from './support/import-child';

const DEFAULT_SIZES = ['10k', '100k', '300k'];
/** Rows per importContactsChunk call: the workflow's default. */
const CHUNK_ROWS = 20_000;
/** "Constant memory": from 100k lines on, the peak grows by no more than this; the kept heap by a few MB. */
const FLAT_SPREAD_MB = 20;
const RETAINED_SPREAD_MB = 5;
const SQLITE3 = '/usr/bin/sqlite3';

const log = (line: string) => process.stderr.write(`${line}\n`);

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.replace(/_/g, ''));
  if (!match) throw new Error(`not a size: ${text} (use 20000, 100k or 1M)`);
  return Math.round(Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2]!.toLowerCase()] ?? 1));
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

/** `sqlite3 .import` of the same file into a bare table: what reading the CSV into SQLite costs at least. */
async function sqliteImportMs(csv: string, workDir: string): Promise<number | undefined> {
  if (!fs.existsSync(SQLITE3)) return undefined;
  const db = path.join(workDir, 'baseline.sqlite');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      SQLITE3,
      [db, 'create table raw(email, first_name, last_name, company)', `.import --csv --skip 1 ${csv} raw`],
      { stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sqlite3 exited with ${code}`))));
  });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_SIZES).map(parseSize);
  const results: Array<ImportRun & { baselineMs?: number }> = [];
  for (const lines of sizes) {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-import-'));
    try {
      log(`importing ${lines.toLocaleString('en')} lines…`);
      const run = JSON.parse(
        await runChild([
          path.join(__dirname, 'support', 'import-child.ts'),
          workDir,
          String(lines),
          String(CHUNK_ROWS),
        ]),
      ) as ImportRun;
      results.push({ ...run, baselineMs: await sqliteImportMs(path.join(workDir, 'upload.csv'), workDir) });
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    '| lines | CSV MB | receive s | import s | rows/s | sqlite3 .import s | import / sqlite3 | created | updated | invalid | chunks | RSS before MB | peak RSS MB | heap kept after GC MB |',
  );
  console.log(`| ${Array(14).fill('---').join(' | ')} |`);
  for (const r of results) {
    console.log(
      `| ${r.lines.toLocaleString('en')} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${s(r.receiveMs)} | ${s(r.importMs)} | ` +
        `${Math.round(r.rows / (r.importMs / 1000)).toLocaleString('en')} | ${r.baselineMs === undefined ? 'n/a' : s(r.baselineMs)} | ` +
        `${r.baselineMs === undefined ? 'n/a' : `${(r.importMs / r.baselineMs).toFixed(1)}×`} | ${r.created.toLocaleString('en')} | ` +
        `${r.updated.toLocaleString('en')} | ${r.invalid.toLocaleString('en')} | ${r.chunks} | ${r.rssBeforeMb.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.heapAfterGcMb.toFixed(0)} |`,
    );
  }
  const spread = (values: number[]) => (values.length ? Math.max(...values) - Math.min(...values) : 0);
  const large = results.filter((r) => r.lines >= 100_000).map((r) => r.peakRssMb);
  const kept = spread(results.map((r) => r.heapAfterGcMb));
  const list = (f: (r: ImportRun) => number) =>
    results.map((r) => `${r.lines.toLocaleString('en')}: ${f(r).toFixed(0)} MB`).join(', ');
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('');
  console.log(
    `- peak RSS flat from 100k lines on (spread ≤ ${FLAT_SPREAD_MB} MB): ${large.length < 2 ? 'not measured (give two sizes ≥ 100k)' : verdict(spread(large) <= FLAT_SPREAD_MB)} ` +
      `(${list((r) => r.peakRssMb)})`,
  );
  console.log(
    `- nothing kept per row (heap after GC spread ≤ ${RETAINED_SPREAD_MB} MB): ${verdict(kept <= RETAINED_SPREAD_MB)} (${list((r) => r.heapAfterGcMb)})`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
