import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';

const HISTORIES = path.join(__dirname, 'histories');
const files = fs.readdirSync(HISTORIES).filter((file) => file.endsWith('.json')).sort();
const load = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));

// Recorded histories of every workflow, replayed against today's code: a change that breaks determinism
// fails here instead of in production. Record new ones with test/histories/record.ts.
describe('replay of recorded workflow histories', () => {
  it('has a history for every workflow type', () => {
    const types = new Set(files.map((file) => file.split('-')[0]));
    assert.ok(types.has('export'), `histories: ${files.join(', ')}`);
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, load(file), file);
    });
  }

  it('fails on a workflow whose code diverged from its history', async () => {
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./fixtures/diverging-workflows') }, load('export-completed.json')),
      DeterminismViolationError,
    );
  });
});
