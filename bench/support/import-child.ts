/**
 * Child process of bench/import.ts: one contact import of N lines, in a process of its own so its peak
 * RSS is the import's and nothing else's. It writes a CSV of N lines (a header, 1 in 50 rows invalid,
 * 1 in 10 addresses repeated so updates happen), receives it into the shared store the way the API does
 * (a stream, with the size limit), then runs the import activities chunk after chunk as the workflow
 * does, on a fresh migrated SQLite database. Prints one JSON line.
 *
 * argv: <workDir> <lines> <chunkRows>
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createImportActivities } from '../../src/activities/import-contacts';
import { emptyImportCursor } from '../../src/shared/contracts';
import { migrateToLatest } from '../../src/db/migrate';
import { ensureTenant } from '../../src/db/queries/tenants';
import { loadSettings } from '../../src/settings';
import { createFileStores } from '../../src/storage/stores';
import { buildActivityDeps } from '../../src/worker/activity-deps';

export interface ImportRun {
  lines: number;
  bytes: number;
  /** Receiving the body into the store, then parsing, validating and upserting every row. */
  receiveMs: number;
  importMs: number;
  rows: number;
  created: number;
  updated: number;
  invalid: number;
  chunks: number;
  rssBeforeMb: number;
  peakRssMb: number;
  /** Heap still in use after a full collection once the import is done: what the import kept. */
  heapAfterGcMb: number;
}

const TENANT = 'bench';

/** The CSV, generated as a stream: the bench itself must not hold it in memory either. */
function* csvLines(lines: number): Generator<string> {
  yield 'Email,First name,Last name,Company\n';
  for (let i = 1; i < lines; i++) {
    const n = i % 10 === 0 ? i - 5 : i; // every tenth line repeats an earlier address
    if (i % 50 === 0) yield `not-an-address-${i},Broken,Row,Acme\n`;
    else yield `contact${n}@example.com,First${i},"Last, ${i}",Company ${i % 97}\n`;
  }
}

async function main(): Promise<void> {
  const [workDir, linesArg, chunkArg] = process.argv.slice(2);
  if (!workDir || !linesArg || !chunkArg) throw new Error('usage: import-child <workDir> <lines> <chunkRows>');
  const lines = Number(linesArg);
  const settings = loadSettings({
    MAILROOM_DATA_DIR: workDir,
    DATABASE_URL: path.join(workDir, 'mailroom.sqlite'),
    LINK_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  });
  const deps = buildActivityDeps(settings);
  await migrateToLatest(deps.database);
  await ensureTenant(deps.database.db, TENANT);
  const source = path.join(workDir, 'upload.csv');
  await pipeline(Readable.from(csvLines(lines)), fs.createWriteStream(source));
  const activities = createImportActivities(deps);
  const files = createFileStores(settings.dataDir).importFiles;
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
    new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

  global.gc?.();
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  let started = performance.now();
  const upload = await files.receive(TENANT, fs.createReadStream(source), settings.importMaxBytes);
  const receiveMs = performance.now() - started;

  started = performance.now();
  await run(activities.prepareImport, { fileKey: upload.fileKey });
  let cursor = emptyImportCursor();
  let chunks = 0;
  for (;;) {
    chunks += 1;
    const chunk = await run(activities.importContactsChunk, {
      tenantId: TENANT,
      fileKey: upload.fileKey,
      cursor,
      maxRows: Number(chunkArg),
    });
    cursor = chunk.cursor;
    if (chunk.finished) break;
  }
  const importMs = performance.now() - started;
  await deps.close();
  const result: ImportRun = {
    lines,
    bytes: upload.bytes,
    receiveMs,
    importMs,
    rows: cursor.rows,
    created: cursor.created,
    updated: cursor.updated,
    invalid: cursor.invalid,
    chunks,
    rssBeforeMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterGcMb: (global.gc?.(), process.memoryUsage().heapUsed / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
