import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { withDeadline } from '../support/wait';

/**
 * The set the record scripts write into: `test/histories/$MAILROOM_HISTORY_SET/` (e.g. `v2`), named on
 * purpose for each recording. Sets are never rewritten (see test/histories/README.md): a set that already
 * holds a history of that name is refused, so a new recording can only add to what the replay test checks.
 */
export function historySetDir(): string {
  const set = process.env.MAILROOM_HISTORY_SET;
  if (!set || !/^v\d+$/.test(set)) {
    const existing = fs
      .readdirSync(__dirname)
      .filter((name) => /^v\d+$/.test(name))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const next = `v${Number(existing.at(-1)?.slice(1) ?? 0) + 1}`;
    throw new Error(
      `set MAILROOM_HISTORY_SET to the set to record into, a new one (e.g. MAILROOM_HISTORY_SET=${next}); ` +
        `existing sets (${existing.join(', ') || 'none'}) are never rewritten: see test/histories/README.md`,
    );
  }
  return path.join(__dirname, set);
}

/**
 * Waits (at most 5 minutes) for the workflow to close and writes its history, in the JSON format every
 * Temporal tool reads, as `<set>/<name>.json` (Prettier leaves these alone: .prettierignore).
 * Never overwrites a recorded history.
 */
export async function saveHistory(
  handle: WorkflowHandle,
  name: string,
  temporalAddress: string,
  /** A run of the chain other than the latest (e.g. the first, which continued as new). */
  runId?: string,
): Promise<void> {
  const dir = historySetDir();
  const file = path.join(dir, `${name}.json`);
  if (fs.existsSync(file)) {
    throw new Error(`${path.relative(process.cwd(), file)} exists: recorded histories are never overwritten`);
  }
  await withDeadline(
    `workflow ${handle.workflowId} to close`,
    handle.result().catch(() => undefined),
    5 * 60_000,
  );
  const json = execFileSync(findTemporalCli()!, [
    'workflow',
    'show',
    '--workflow-id',
    handle.workflowId,
    ...(runId ? ['--run-id', runId] : []),
    '--output',
    'json',
    '--address',
    temporalAddress,
  ]);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, json, { flag: 'wx' });
  console.log(`recorded ${file}`);
}
