import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import * as workflows from '../src/workflows';

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
const HISTORIES = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(HISTORIES)
  .filter((file) => file.endsWith('.json'))
  .sort();
const load = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));

// Recorded histories of every workflow, replayed against today's code: a change that breaks determinism
// fails here instead of in production. Record new ones with test/histories/record.ts.
describe('replay of recorded workflow histories', () => {
  // One bundle of today's workflow code for every replay.
  let bundle: WorkflowBundle;
  before(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quiet });
  });

  it('has a history for every workflow type', () => {
    const recorded = new Set(
      files.map((file) => load(file).events![0]!.workflowExecutionStartedEventAttributes!.workflowType!.name),
    );
    const missing = Object.keys(workflows).filter(
      (name) => typeof (workflows as Record<string, unknown>)[name] === 'function' && !recorded.has(name),
    );
    assert.deepEqual(missing, [], 'record a history for each of these');
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      await Worker.runReplayHistory({ workflowBundle: bundle }, load(file), file);
    });
  }

  it('fails on a workflow whose code diverged from its history', async () => {
    await assert.rejects(
      Worker.runReplayHistory(
        {
          workflowBundle: await bundleWorkflowCode({
            workflowsPath: require.resolve('./fixtures/diverging-workflows'),
            logger: quiet,
          }),
        },
        load('export-completed.json'),
      ),
      DeterminismViolationError,
    );
  });
});
