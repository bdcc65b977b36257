import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NewNotification } from '../../src/db/queries/notifications';
import { ErrorType } from '../../src/shared/contracts';
import { applicationFailure } from '../../src/shared/failures';
import { exportNewsletterStats, importContacts } from '../../src/workflows';
import { withStubbedActivities } from '../support/stub-worker';

const owner = { tenantId: 'hostile', userId: 'usr_hostile' };
/** The clean-up's own failure, as a full disk or a file turned into a directory would make it. */
const brokenCleanUp = async () => {
  throw ApplicationFailure.create({ type: 'CleanUpBroken', message: 'ENOTDIR', nonRetryable: true });
};

describe('the owner is notified exactly once even when the clean-up fails', () => {
  it('export: the notice goes out, then the failed clean-up is logged; the task ends with its own failure', async () => {
    const notifications: NewNotification[] = [];
    let cleanUps = 0;
    const failure = await withStubbedActivities(
      {
        prepareExport: async () => ({ exportId: 'e1', fileKey: 'hostile/e1', subject: 'Doomed', total: 10 }),
        writeStatsCsvChunk: async () => {
          throw ApplicationFailure.create({ type: ErrorType.ExportFileMissing, message: 'gone', nonRetryable: true });
        },
        discardExport: async () => {
          cleanUps++;
          return brokenCleanUp();
        },
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      ({ client, taskQueue }) =>
        client.workflow
          .execute(exportNewsletterStats, {
            taskQueue,
            workflowId: `export-hostile-${taskQueue}`,
            args: [{ ...owner, newsletterId: 1, linkTtlMs: 60_000 }],
          })
          .then(
            () => assert.fail('the export should fail'),
            (error: unknown) => error,
          ),
    );
    assert.equal(cleanUps, 1, 'the clean-up was tried');
    assert.equal(notifications.length, 1, 'one notification');
    assert.match(notifications[0]!.message, /failed: the export file was removed while it was being written/);
    assert.ok(failure instanceof WorkflowFailedError);
    assert.equal(
      applicationFailure(failure)?.type,
      ErrorType.ExportFileMissing,
      "the task's own failure, not the clean-up's",
    );
  });

  it('import: the same on a cancelled import whose upload cannot be removed', async () => {
    const notifications: NewNotification[] = [];
    await withStubbedActivities(
      {
        prepareImport: async () => ({ lines: 100, bytes: 1_000 }),
        importContactsChunk: async () => {
          throw ApplicationFailure.create({ type: ErrorType.ImportFileMissing, message: 'gone', nonRetryable: true });
        },
        discardImportFile: brokenCleanUp,
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      ({ client, taskQueue }) =>
        client.workflow
          .execute(importContacts, {
            taskQueue,
            workflowId: `import-hostile-${taskQueue}`,
            args: [{ ...owner, fileKey: 'hostile/upload.csv' }],
          })
          .catch(() => undefined),
    );
    assert.equal(notifications.length, 1);
    assert.match(notifications[0]!.message, /import failed: the uploaded file could not be found/);
  });
});
