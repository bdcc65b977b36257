/**
 * Runs the unit tests (test/unit/), which need no Temporal server and no database: `npm run test:unit`.
 * Same runner settings as test/run.ts, per-test timeout included.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const PER_TEST_TIMEOUT = `./${path.relative(process.cwd(), path.join(__dirname, 'support', 'per-test-timeout.mjs'))}`;
const dir = path.join(__dirname, 'unit');
const files = fs
  .readdirSync(dir)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => path.relative(process.cwd(), path.join(dir, name)))
  .sort();

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--import', PER_TEST_TIMEOUT, '--test', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, MAILROOM_TEST_TIMEOUT_MS: process.env.MAILROOM_TEST_TIMEOUT_MS ?? '60000' },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
