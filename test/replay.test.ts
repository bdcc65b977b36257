/**
 * Replay compatibility: every recorded workflow history in test/histories/, of every set (`v1/`, `v2/`,
 * …), is replayed against today's workflow code. A set is what one version of the code recorded; sets
 * are never rewritten nor deleted, a deliberate change of a workflow adds a new set next to the old ones
 * (test/histories/README.md). So a change that would break workflows still running from an earlier
 * release fails here, not in production: keep such a change replayable with `patched()`.
 *
 * Also checked: each set holds no stray file, the newest set covers every workflow type, and a workflow
 * whose code diverges from its history fails with DeterminismViolationError (so the replays can fail).
 */
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

/** The sets, oldest first: `v1`, `v2`, … (numerically, so `v10` comes after `v9`). */
const sets = fs
  .readdirSync(HISTORIES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && /^v\d+$/.test(entry.name))
  .map((entry) => entry.name)
  .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
/** Every history of every set, as `<set>/<name>.json`. */
const files = sets.flatMap((set) =>
  fs
    .readdirSync(path.join(HISTORIES, set))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => `${set}/${file}`),
);
const load = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
const workflowTypeOf = (file: string) =>
  load(file).events![0]!.workflowExecutionStartedEventAttributes!.workflowType!.name!;
const workflowTypes = Object.keys(workflows).filter(
  (name) => typeof (workflows as Record<string, unknown>)[name] === 'function',
);

describe('replay of recorded workflow histories, of this release and of every earlier one', () => {
  // One bundle of today's workflow code for every replay.
  let bundle: WorkflowBundle;
  before(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quiet });
  });

  it('keeps its histories in versioned sets only, the first one included', () => {
    assert.ok(sets.includes('v1'), 'the set recorded from the first release (v1) is kept');
    const loose = fs.readdirSync(HISTORIES).filter((name) => name.endsWith('.json'));
    assert.deepEqual(loose, [], 'histories belong in a set (test/histories/vN/), see README.md there');
    for (const set of sets) {
      const other = fs.readdirSync(path.join(HISTORIES, set)).filter((name) => !name.endsWith('.json'));
      assert.deepEqual(other, [], `only histories in ${set}/`);
    }
  });

  it('has a history of every workflow type in the newest set', () => {
    const newest = sets.at(-1)!;
    const recorded = new Set(files.filter((file) => file.startsWith(`${newest}/`)).map(workflowTypeOf));
    const missing = workflowTypes.filter((name) => !recorded.has(name));
    assert.deepEqual(missing, [], `record a history of each of these into ${newest}/ or a newer set`);
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
        load('v1/export-completed.json'),
      ),
      DeterminismViolationError,
    );
  });
});
