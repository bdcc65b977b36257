import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MainActivities } from '../activities';
import { progressQuery, type Progress, type PurgeExpiredExportsInput } from '../shared/contracts';
import { QUICK } from './activity-options';

const DEFAULT_BATCH = 500;

/**
 * Started every hour by the built-in schedule: deletes expired export files and their rows, a batch per
 * activity call, until none is left. Their links keep answering 410, as any expired link does.
 */
export async function purgeExpiredExports(
  input: PurgeExpiredExportsInput = {},
  deletedBefore = 0,
): Promise<{ deleted: number }> {
  const quick = proxyActivities<MainActivities>(QUICK);
  const limit = input.batchSize ?? DEFAULT_BATCH;
  let deleted = deletedBefore;
  let progress: Progress = { phase: 'purging', done: deleted, total: 0 };
  setHandler(progressQuery, () => progress);
  for (;;) {
    const batch = await quick.purgeExpiredExportsBatch({ limit });
    deleted += batch.deleted;
    progress = { phase: 'purging', done: deleted, total: 0 };
    if (batch.found < limit) break;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof purgeExpiredExports>(input, deleted);
  }
  progress = { phase: 'done', done: deleted, total: deleted };
  return { deleted };
}
