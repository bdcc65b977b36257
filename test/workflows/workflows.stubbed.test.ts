import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { NewNotification } from '../../src/db/queries/notifications';
import {
  ErrorType,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type ContactRange,
  type ExportCursor,
} from '../../src/shared/contracts';
import { exportNewsletterStats, importContacts, sendNewsletter } from '../../src/workflows';
import { waitUntil } from '../support/wait';
import { withStubbedActivities } from '../support/stub-worker';

const owner = { tenantId: 'stub', userId: 'usr_stub' };

describe('workflows with stubbed activities', () => {
  it('export: writes chunks until finished, then publishes, emails the link once and notifies once', async () => {
    const chunks: ExportCursor[] = [];
    const emails: string[] = [];
    const notifications: NewNotification[] = [];
    const result = await withStubbedActivities(
      {
        prepareExport: async () => ({ exportId: 'e1', fileKey: 'stub/e1', subject: 'Hello', total: 5 }),
        writeStatsCsvChunk: async ({ cursor, maxRows }) => {
          chunks.push(cursor);
          const rows = Math.min(cursor.rows + maxRows, 5);
          return { cursor: { afterContactId: rows * 10, rows, bytes: rows * 100 }, finished: rows === 5 };
        },
        publishExport: async ({ cursor }) => ({
          exportId: 'e1',
          rows: cursor.rows,
          bytes: cursor.bytes,
          sha256: '0'.repeat(64),
          expiresAt: '2030-01-01T00:00:00.000Z',
        }),
        findUserEmail: async () => 'owner@stub.test',
        sendExportReadyEmail: async (email) => {
          emails.push(email.exportId);
          return { messageId: '<m@x>', alreadySent: false };
        },
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      ({ client, taskQueue }) =>
        client.workflow.execute(exportNewsletterStats, {
          taskQueue,
          workflowId: `export-stub-${taskQueue}`,
          args: [{ ...owner, newsletterId: 1, linkTtlMs: 60_000, chunkRows: 2 }],
        }),
    );
    assert.deepEqual(
      chunks.map((c) => c.rows),
      [0, 2, 4],
      'each chunk starts where the previous one ended',
    );
    assert.equal(result.rows, 5);
    assert.deepEqual(emails, ['e1'], 'one email, naming the export (the activity signs its link)');
    assert.equal(notifications.length, 1);
    assert.match(notifications[0]!.message, /ready: 5 rows/);
  });

  it('export: a newsletter that does not exist fails at once, discards nothing and notifies the reason', async () => {
    const notifications: NewNotification[] = [];
    let discarded = 0;
    let attempts = 0;
    const failure = await withStubbedActivities(
      {
        prepareExport: async () => {
          attempts++;
          throw ApplicationFailure.create({ type: ErrorType.NewsletterNotFound, message: 'gone' });
        },
        discardExport: async () => void discarded++,
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      ({ client, taskQueue }) =>
        client.workflow
          .execute(exportNewsletterStats, {
            taskQueue,
            workflowId: `export-stub-${taskQueue}`,
            args: [{ ...owner, newsletterId: 404, linkTtlMs: 60_000 }],
          })
          .then(
            () => assert.fail('the export should fail'),
            (error: unknown) => error,
          ),
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.equal(attempts, 1, 'a non-retryable failure is not retried');
    assert.equal(discarded, 0, 'no file was named, so none is discarded');
    assert.equal(notifications.length, 1);
    assert.match(notifications[0]!.message, /failed: the newsletter does not exist/);
  });

  it('send: a paused send hands out no batch until resumed, then sums up once', async () => {
    const batches: ContactRange[] = [];
    const summaries: number[] = [];
    const notifications: NewNotification[] = [];
    let planned = false;
    await withStubbedActivities(
      {
        prepareSend: async () => ({ subject: 'News' }),
        createDeliveries: async () => ({ total: 40 }),
        planSendBatches: async () => {
          if (planned) return [];
          planned = true;
          return [0, 1, 2, 3].map((i) => ({ from: i * 10 + 1, to: i * 10 + 10 }));
        },
        sendDeliveryBatch: async ({ range }) => {
          batches.push(range);
          return { sent: 10, failed: 0, skipped: 0, resent: 0 };
        },
        finishSend: async () => ({
          sent: 40,
          failed: 0,
          skipped: 0,
          resent: 0,
          cancelled: 0,
          pending: 0,
          sending: 0,
          bounced: 0,
        }),
        findUserEmail: async () => 'owner@stub.test',
        sendSendSummaryEmail: async ({ result }) => {
          summaries.push(result.sent);
          return { messageId: '<m@x>', alreadySent: false };
        },
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(sendNewsletter, {
          taskQueue,
          workflowId: `send-stub-${taskQueue}`,
          args: [{ ...owner, newsletterId: 7, batchSize: 10, concurrency: 1 }],
        });
        await handle.signal(pauseSignal);
        await waitUntil('the send to read paused', async () => (await handle.query(progressQuery)).phase === 'paused');
        const before = batches.length;
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(batches.length, before, 'no batch starts while paused');
        await handle.signal(resumeSignal);
        const result = await handle.result();
        assert.equal(result.sent, 40);
      },
    );
    assert.equal(batches.length, 4);
    assert.deepEqual(summaries, [40], 'one summary email');
    assert.equal(notifications.length, 1, 'one notification');
  });

  it('import: a file with invalid rows finishes with a message naming their lines', async () => {
    const notifications: NewNotification[] = [];
    const discarded: string[] = [];
    await withStubbedActivities(
      {
        prepareImport: async () => ({ lines: 4, bytes: 100 }),
        importContactsChunk: async ({ cursor }) => ({
          cursor: {
            ...cursor,
            bytes: 100,
            line: 4,
            rows: 3,
            created: 2,
            updated: 0,
            invalid: 1,
            invalidRows: [{ line: 3, reason: 'not an email address' }],
          },
          finished: true,
        }),
        discardImportFile: async ({ fileKey }) => void discarded.push(fileKey),
        notifyTaskOwner: async (notification) => void notifications.push(notification),
      },
      ({ client, taskQueue }) =>
        client.workflow.execute(importContacts, {
          taskQueue,
          workflowId: `import-stub-${taskQueue}`,
          args: [{ ...owner, fileKey: 'stub/upload.csv' }],
        }),
    );
    assert.deepEqual(discarded, ['stub/upload.csv'], 'the upload is removed once');
    assert.equal(notifications.length, 1);
    assert.match(notifications[0]!.message, /2 contacts imported .*1 invalid row skipped \(line 3;/);
  });
});
