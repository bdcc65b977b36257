/**
 * Child process of bench/export.ts: runs the export activity alone, outside any worker, chunk after
 * chunk as the workflow calls it, and prints one JSON line with its time and this process's peak RSS.
 * A process of its own, so the peak RSS is the activity's and nothing else's.
 *
 * argv: <databaseUrl> <dataDir> <newsletterId> <chunkRows>
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExportActivities, type ChunkInput, type ChunkResult } from '../../src/activities/export-stats';
import { DEMO_TENANT } from '../../src/db/seed';
import { loadSettings } from '../../src/settings';
import type { ExportCursor } from '../../src/shared/contracts';
import { ExportFiles } from '../../src/storage/export-files';
import { buildActivityDeps } from '../../src/worker/activity-deps';

export interface ActivityRun {
  ms: number;
  /** CPU time of the whole child (all its threads, the garbage collector's included) over the same span. */
  cpuMs: number;
  rows: number;
  bytes: number;
  chunks: number;
  /** RSS once everything is loaded and connected, before the first row. */
  rssBeforeMb: number;
  /** process.resourceUsage().maxRSS: the peak of the whole child. */
  peakRssMb: number;
  /** sha256 of the file the activity wrote, read back after the clock stopped. */
  sha256: string;
}

async function main(): Promise<void> {
  const [databaseUrl, dataDir, newsletterArg, chunkArg] = process.argv.slice(2);
  if (!databaseUrl || !dataDir || !newsletterArg || !chunkArg)
    throw new Error('usage: activity-child <databaseUrl> <dataDir> <newsletterId> <chunkRows>');
  const settings = loadSettings({
    MAILROOM_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LINK_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  });
  // The worker's own wiring: on SQLite a separate read-only connection for the long read.
  const deps = buildActivityDeps(settings);
  const activities = createExportActivities(deps);
  const fileKey = deps.exportFiles.fileKey(DEMO_TENANT, ExportFiles.newExportId());
  const input = { fileKey, newsletterId: Number(newsletterArg), maxRows: Number(chunkArg) };
  const env = new MockActivityEnvironment({ activityType: 'writeStatsCsvChunk' });

  const rssBeforeMb = process.memoryUsage.rss() / 2 ** 20;
  let cursor: ExportCursor = { afterContactId: 0, rows: 0, bytes: 0 };
  let chunks = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (;;) {
    const result = await env.run<[ChunkInput], ChunkResult, typeof activities.writeStatsCsvChunk>(
      activities.writeStatsCsvChunk,
      { ...input, cursor },
    );
    cursor = result.cursor;
    chunks += 1;
    if (result.finished) break;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const part of fs.createReadStream(deps.exportFiles.partPath(fileKey))) {
    hash.update(part as Buffer);
    bytes += (part as Buffer).length;
  }
  const sha256 = hash.digest('hex');
  await deps.close();
  await deps.exportFiles.remove(fileKey);
  const run: ActivityRun = {
    ms,
    cpuMs,
    rows: cursor.rows,
    bytes,
    chunks,
    rssBeforeMb,
    peakRssMb,
    sha256,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
