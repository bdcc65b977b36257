import { execFile } from 'node:child_process';
import path from 'node:path';
import type { ActivityRun } from './activity-child';

const CHILD = path.join(__dirname, 'activity-child.ts');

/**
 * Runs the export activity in a child process (see activity-child.ts). BENCH_NODE_FLAGS adds node
 * options to that child only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the activity.
 */
export async function runActivityAlone(
  databaseUrl: string,
  dataDir: string,
  newsletterId: number,
  chunkRows: number,
  /** Process settings for the child, as the worker has them (MALLOC_ARENA_MAX, NODE_OPTIONS). */
  env: NodeJS.ProcessEnv = {},
): Promise<ActivityRun> {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [...flags, '--import', 'tsx', CHILD, databaseUrl, dataDir, String(newsletterId), String(chunkRows)];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, env: { ...process.env, ...env } }, (error, out, err) => {
      if (error) reject(new Error(`activity child failed: ${error.message}\n${err}`));
      else resolve(out);
    });
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ActivityRun;
}
