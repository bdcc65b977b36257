/**
 * Starts one Temporal dev server for the whole suite (with mailroom's search attributes), runs every
 * test file with node's test runner against it, then stops it.
 *
 * Nothing can hang CI: each test and hook gets MAILROOM_TEST_TIMEOUT_MS (default 5 minutes) unless it
 * sets its own `timeout` (test/support/per-test-timeout.mjs, preloaded into every file's process), and
 * each file MAILROOM_TEST_FILE_TIMEOUT_MS (default 30 minutes, `--test-timeout`: before Node 24 that
 * flag bounds whole files, not tests).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli } from '../src/temporal/cli-binary';
import { startDevServerOnFreePort } from '../src/temporal/dev-server';
import { buildWeb } from '../src/web/build';

const PER_TEST_TIMEOUT = `./${path.relative(process.cwd(), path.join(__dirname, 'support', 'per-test-timeout.mjs'))}`;

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function main(): Promise<number> {
  const cliPath = findTemporalCli((line) => console.log(`test: ${line}`));
  if (!cliPath) throw new Error('no temporal CLI and no Go toolchain to build one');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-temporal-'));
  // Its state in memory (the CLI's default): nothing in the suite restarts it, and no test then waits on
  // the disk under the server's store (a slow sync there delays task dispatch past activity timeouts).
  const server = await startDevServerOnFreePort({ cliPath, logFile: path.join(stateDir, 'temporal.log') });
  console.log(`test: Temporal dev server at ${server.address}`);
  await buildWeb(); // the task page that the API serves at /app/ (tests of the API read it too)
  const filter = process.argv.slice(2);
  const files = testFiles('test').filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)));
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        PER_TEST_TIMEOUT,
        '--test',
        '--test-concurrency=1',
        `--test-timeout=${process.env.MAILROOM_TEST_FILE_TIMEOUT_MS ?? 30 * 60_000}`,
        '--test-reporter=spec',
        ...files,
      ],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          MAILROOM_TEST_TEMPORAL_CLI: cliPath,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          MAILROOM_TEST_TIMEOUT_MS: process.env.MAILROOM_TEST_TIMEOUT_MS ?? String(5 * 60_000),
        },
      },
    );
    const code = await new Promise<number>((resolve) =>
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))),
    );
    if (code !== 0) printServerTrouble(path.join(stateDir, 'temporal.log'));
    return code;
  } finally {
    await server.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * After a failed run, the dev server's own warnings and errors (its store missing deadlines, tasks it could
 * not dispatch): a test that waited on the server then shows whether the server was the one stuck.
 */
function printServerTrouble(logFile: string): void {
  const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
  console.log(`test: the Temporal dev server logged ${lines.length} warnings and errors; the last 30:`);
  for (const line of lines.slice(-30)) console.log(`test:   ${line.slice(0, 600)}`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
