import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { findTemporalCli } from '../../src/temporal/cli-binary';

/** Waits for the workflow to close and writes its history, in the JSON format every Temporal tool reads. */
export async function saveHistory(handle: WorkflowHandle, name: string, temporalAddress: string): Promise<void> {
  await handle.result().catch(() => undefined);
  const json = execFileSync(findTemporalCli()!, [
    'workflow',
    'show',
    '--workflow-id',
    handle.workflowId,
    '--output',
    'json',
    '--address',
    temporalAddress,
  ]);
  const file = path.join(__dirname, `${name}.json`);
  fs.writeFileSync(file, json);
  console.log(`recorded ${file}`);
}
