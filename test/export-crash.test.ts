import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { issueApiKey } from '../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import type { ExportCursor } from '../src/shared/contracts';
import type { Settings } from '../src/settings';
import { connectClient } from '../src/temporal/connect';
import { exportNewsletterStats } from '../src/workflows';
import { DIALECTS, createTestDatabase, type TestDatabase } from './support/databases';
import { EXPECTED_HEADER, expectedStatsRows, parseCsv } from './support/expected-csv';
import { SENTINEL, writeSentinel } from './support/export-faults';
import { activityRuns, failedAttempts, pollUntil } from './support/send-checks';
import { testSettings } from './support/system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const CONTACTS = 150_000;
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

for (const dialect of DIALECTS) {
  describe(`an export survives its worker being SIGKILLed mid-file on ${dialect}`, () => {
    let test: TestDatabase;
    let settings: Settings;
    let temporal: Client;
    const workers: WorkerProcess[] = [];

    before(async () => {
      test = await createTestDatabase(dialect);
      settings = await testSettings({ DATABASE_URL: test.url });
      temporal = await connectClient(settings);
    });
    after(async () => {
      for (const worker of workers) await worker.kill('SIGKILL');
      await temporal?.connection.close();
      await test?.drop();
      fs.rmSync(settings.dataDir, { recursive: true, force: true });
    });

    it('resumes from the last heartbeat in a new worker, keeping what was written, and ends with the fault-free file', async () => {
      const newsletterId = (await seedDemoTenant(test.database, { contacts: CONTACTS }))!.newsletters.headline;
      const userId = (await issueApiKey(test.database.db, DEMO_TENANT, 'crash@demo.test')).user.id;
      const input = { tenantId: DEMO_TENANT, userId, newsletterId, linkTtlMs: 60_000, chunkRows: 10_000_000 };
      workers.push(startWorkerProcess(settings));
      const handle = await temporal.workflow.start(exportNewsletterStats, {
        taskQueue: settings.taskQueue,
        // Ids from this describe's own task queue: never shared across database variants.
        workflowId: `export-crash-${settings.taskQueue}`,
        // One chunk for the whole file: the kill lands inside a single activity attempt.
        args: [input],
      });

      const exportsDir = path.join(settings.dataDir, 'exports', DEMO_TENANT);
      const partFile = () => {
        const part = fs.existsSync(exportsDir)
          ? fs.readdirSync(exportsDir).find((f) => f.endsWith('.part'))
          : undefined;
        return part ? path.join(exportsDir, part) : undefined;
      };
      // About a fifth of the file: well inside the activity, after several heartbeats.
      const part = await pollUntil(
        'the export to write 2.5 MB',
        () => {
          const file = partFile();
          return file && fs.statSync(file).size >= 2_500_000 && file;
        },
        60_000,
        10,
      );
      await workers[0]!.kill('SIGKILL');
      const sizeAtCrash = fs.statSync(part).size;

      // The heartbeat the server holds is where the next attempt resumes.
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const payload = pending.find((a) => a.activityType?.name === 'writeStatsCsvChunk')?.heartbeatDetails
        ?.payloads?.[0];
      assert.ok(payload, 'the chunk heartbeated before the kill');
      const beat = defaultPayloadConverter.fromPayload<ExportCursor>(payload);
      assert.ok(beat.rows > 0 && beat.bytes <= sizeAtCrash, `heartbeat ${JSON.stringify(beat)}, ${sizeAtCrash} B`);
      // A marker inside the heartbeated part: a resume keeps it, a restart from row 0 would overwrite it.
      const sentinel = writeSentinel(part, Math.floor(beat.bytes / 2));
      assert.ok(sentinel.at + sentinel.original.length <= beat.bytes);

      const second = startWorkerProcess(settings);
      workers.push(second);
      const result = await handle.result();

      assert.equal(result.rows, CONTACTS);
      assert.ok(sizeAtCrash < result.bytes);
      const resumeLog = second
        .output()
        .split('\n')
        .find((l) => l.includes('resuming export from its last heartbeat'));
      const fromRow = Number(/"fromRow":(\d+)/.exec(resumeLog ?? '')?.[1]);
      assert.equal(fromRow, beat.rows, 'the new worker resumed at the heartbeat, after row 0');
      const runs = await activityRuns([handle], 'writeStatsCsvChunk');
      assert.ok(failedAttempts(runs) >= 1, 'the chunk activity was retried');

      const file = fs.readFileSync(path.join(exportsDir, `${result.exportId}.csv`));
      assert.equal(file.length, result.bytes, 'reported size');
      assert.equal(sha256(file), result.sha256, 'reported sha256');
      assert.equal(
        file.subarray(sentinel.at, sentinel.at + SENTINEL.length).toString(),
        SENTINEL,
        'resumed, not rewritten',
      );

      // The same export without any fault: equal by bytes (sentinel aside), size and sha256.
      const clean = await temporal.workflow.execute(exportNewsletterStats, {
        taskQueue: settings.taskQueue,
        workflowId: `export-clean-${settings.taskQueue}`,
        args: [input],
      });
      const cleanFile = fs.readFileSync(path.join(exportsDir, `${clean.exportId}.csv`));
      assert.equal(clean.rows, CONTACTS);
      assert.equal(result.bytes, clean.bytes);
      sentinel.original.copy(file, sentinel.at);
      assert.ok(file.equals(cleanFile), 'with the sentinel undone, the file equals the fault-free export');
      assert.equal(sha256(file), clean.sha256);

      const [header, ...rows] = parseCsv(cleanFile);
      assert.deepEqual(header, EXPECTED_HEADER);
      assert.deepEqual(rows, await expectedStatsRows(test.database.db, newsletterId), 'complete and in order');
    });
  });
}
