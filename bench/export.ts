/**
 * Export benchmark (issue 12). For each size N it seeds the demo tenant with N deliveries and measures, in
 * one run: the database's own CSV output of the export's query (`sqlite3 -csv`, and `psql COPY … TO
 * STDOUT CSV` on PostgreSQL), our export activity alone, and the whole path POST /v1/exports → workflow →
 * email in the outbox on the compiled worker and API (`npm run build`, as production runs them), with
 * the worker's resting RSS, its peak (VmHWM) during the export and what the export adds; then prints a
 * table, verdicts and the sha256 of the 500k demo export.
 *
 *   npm run bench:export                                # 100k, 500k, 2M, 5M
 *   npm run bench:export -- --rows 20k,50k              # quick run (or positionals: 20000 50000)
 *   npm run bench:export -- --rows 500k --pg postgres://postgres@127.0.0.1:55432/postgres
 *   npm run bench:export -- --no-build                  # use the dist/ already built
 *   npm run bench:export -- --tsx-worker                # also one whole path on the tsx worker `mailroom dev` runs
 *
 * PostgreSQL is measured when `--pg URL` or MAILROOM_TEST_PG_URL is given (a database is created and
 * dropped per size). The bench starts its own headless Temporal dev server on a free port.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Dialect } from '../src/db/schema';
import { findTemporalCli } from '../src/temporal/cli-binary';
import { startDevServerOnFreePort, type DevServer } from '../src/temporal/dev-server';
import { ensureSqlite3, psqlCopy, sqliteCsv } from './support/baselines';
import { createSeededDatabase } from './support/bench-databases';
import { stopAllProcesses, timeCommand } from './support/processes';
import { details, markdownTable, verdicts, type SizeResult } from './support/report';
import { runActivityAlone } from './support/run-activity';
import { runWholePath, type WholePathRun } from './support/whole-path';

const DEFAULT_SIZES = ['100k', '500k', '2M', '5M'];
/** Rows per writeStatsCsvChunk call: the workflow's default (DEFAULT_CHUNK_ROWS). */
const WORKFLOW_CHUNK_ROWS = 500_000;

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.replace(/_/g, ''));
  if (!match) throw new Error(`not a size: ${text} (use 20000, 100k or 2M)`);
  const n = Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2]!.toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`not a size: ${text}`);
  return n;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The unit production workers run under; its process settings are the bench worker's too. */
const WORKER_UNIT = path.join(__dirname, '..', 'deploy', 'systemd', 'mailroom-worker@.service');
/** What the unit sets for the process itself (allocator, V8 heap), not mailroom's settings such as NODE_ENV. */
const PROCESS_SETTINGS = new Set(['MALLOC_ARENA_MAX', 'NODE_OPTIONS']);

/** The worker unit's `Environment=` process settings, so the bench's worker starts as production's does. */
function workerUnitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, value] of fs.readFileSync(WORKER_UNIT, 'utf8').matchAll(/^Environment=([A-Z_]+)=(.*)$/gm))
    if (PROCESS_SETTINGS.has(name!)) env[name!] = value!.replace(/^"(.*)"$/, '$1');
  return env;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      pg: { type: 'string' },
      'chunk-rows': { type: 'string' },
      rows: { type: 'string' },
      'no-build': { type: 'boolean' },
      'tsx-worker': { type: 'boolean' },
    },
  });
  const asked = [...(values.rows?.split(',') ?? []), ...positionals].filter(Boolean);
  const sizes = (asked.length > 0 ? asked : DEFAULT_SIZES).map(parseSize);
  const chunkRows = values['chunk-rows'] ? parseSize(values['chunk-rows']) : WORKFLOW_CHUNK_ROWS;
  const pgUrl = values.pg ?? process.env.MAILROOM_TEST_PG_URL;
  const dialects: Dialect[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  const pgNote = pgUrl ? undefined : 'no --pg URL and no MAILROOM_TEST_PG_URL: PostgreSQL columns skipped';

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-'));
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  const cleanUp = async () => {
    await stopAllProcesses();
    await connection?.close();
    await server?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    log('interrupted: stopping what the bench started');
    void cleanUp().finally(() => process.exit(130));
  });

  try {
    log(
      `export bench: sizes ${sizes.map((n) => n.toLocaleString('en')).join(', ')}; ${dialects.join(' + ')}; chunk ${chunkRows.toLocaleString('en')} rows; work dir ${workDir}`,
    );
    if (pgNote) log(`note: ${pgNote}`);
    await ensureSqlite3(log);
    if (!values['no-build']) {
      log('npm run build (the compiled worker and API are what the whole path measures)…');
      await timeCommand('npm', ['run', 'build'], path.join(workDir, 'build.log'));
    }
    const cli = findTemporalCli(log);
    if (!cli) throw new Error('no temporal CLI found (TEMPORAL_CLI_PATH, PATH, cache, or go to build it)');
    log('starting a headless Temporal dev server…');
    server = await startDevServerOnFreePort({
      cliPath: cli,
      dbFile: path.join(workDir, 'temporal.sqlite'),
      logFile: path.join(workDir, 'temporal.log'),
    });
    connection = await Connection.connect({ address: server.address });
    const temporal = new Client({ connection });

    const workerEnv = workerUnitEnvironment();
    log(
      `worker process settings from ${path.relative(process.cwd(), WORKER_UNIT)}: ${
        Object.entries(workerEnv)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ') || 'none'
      }`,
    );
    const results: SizeResult[] = [];
    let tsxRun: WholePathRun | undefined;
    for (const rows of sizes) {
      for (const dialect of dialects) {
        const label = `${rows.toLocaleString('en')} ${dialect}`;
        log(`\n[${label}] seeding…`);
        const seedStarted = performance.now();
        const db = await createSeededDatabase(dialect, rows, workDir, pgUrl);
        const seedMs = performance.now() - seedStarted;
        try {
          const out = path.join(workDir, `baseline-${dialect}-${rows}.csv`);
          log(`[${label}] baseline ${dialect === 'sqlite' ? 'sqlite3 -csv' : 'psql COPY'}…`);
          const baseline =
            dialect === 'sqlite'
              ? await sqliteCsv(db.url, db.newsletterId, out)
              : await psqlCopy(db.url, db.newsletterId, out);
          fs.rmSync(out, { force: true });
          log(`[${label}] baseline ${(baseline.ms / 1000).toFixed(2)} s; activity alone…`);
          const activity = await runActivityAlone(
            db.url,
            path.join(workDir, `activity-${dialect}`),
            db.newsletterId,
            chunkRows,
            workerEnv,
          );
          if (activity.rows !== rows) throw new Error(`the activity wrote ${activity.rows} rows, expected ${rows}`);
          log(
            `[${label}] activity ${(activity.ms / 1000).toFixed(2)} s, peak RSS ${activity.peakRssMb.toFixed(0)} MB; whole path…`,
          );
          const wholePath = await runWholePath(db, server.address, temporal, workDir, 'compiled', workerEnv);
          if (wholePath.rows !== rows)
            throw new Error(`the export task reported ${wholePath.rows} rows, expected ${rows}`);
          log(
            `[${label}] whole path ${(wholePath.ms / 1000).toFixed(2)} s, worker peak RSS ${wholePath.workerPeakRssMb.toFixed(0)} MB`,
          );
          results.push({ rows, dialect, seedMs, baseline, activity, path: wholePath });
          // The table row at once: a long run that is stopped still leaves its figures in the log.
          log(markdownTable(results.slice(-1)).split('\n').pop()!);
          if (values['tsx-worker'] && !tsxRun) {
            log(`[${label}] whole path again on the worker through tsx (as \`mailroom dev\` runs it)…`);
            tsxRun = await runWholePath(db, server.address, temporal, workDir, 'tsx', workerEnv);
          }
        } finally {
          await db.drop();
        }
      }
    }

    const cpus = os.cpus();
    console.log(
      `\n## Export benchmark (${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, Node ${process.version})\n`,
    );
    console.log(markdownTable(results));
    console.log(
      `\nmachine load (uptime) at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}; ` +
        'worker and API: the compiled build (node dist/cli/main.js, prebuilt workflow bundle); ' +
        'activity alone: a child process through tsx with @temporalio/testing loaded.',
    );
    if (tsxRun)
      console.log(
        `worker through tsx (\`mailroom dev\`, bin/mailroom.js in a clone), ${tsxRun.rows.toLocaleString('en')} rows: ` +
          `resting ${tsxRun.workerIdleRssMb.toFixed(0)} MB (1 s after the warm-up ${tsxRun.workerAfterWarmUpRssMb.toFixed(0)}, ` +
          `just started ${tsxRun.workerStartedRssMb.toFixed(0)} MB), ` +
          `peak ${tsxRun.workerPeakRssMb.toFixed(0)} MB, export adds +${(tsxRun.workerPeakRssMb - tsxRun.workerIdleRssMb).toFixed(0)} MB, ` +
          `POST → email ${(tsxRun.ms / 1000).toFixed(2)} s`,
      );
    console.log('\nTargets:');
    for (const line of verdicts(results, pgNote)) console.log(line);
    console.log('\nDetails:');
    for (const line of details(results)) console.log(line);
    console.log(
      '\nBaselines run the export query once (same join, filter, order and columns, contact id included) after one unmeasured ' +
        'warm-up run; the activity also neutralises formulas, maps flags to yes/no, hashes and fsyncs its file. "whole − activity" ' +
        'is the whole path minus the activity alone. The whole path runs on a worker that has run one small export first (a running ' +
        'worker is warm); "resting" is its VmRSS just before the measured POST, after the warm-up and a minute idle (V8 gives ' +
        'back the young generation an export grew only once the process has been idle for a while), "peak" its VmHWM reset just before that POST, ' +
        '"export adds" the difference.',
    );
  } finally {
    await cleanUp();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
