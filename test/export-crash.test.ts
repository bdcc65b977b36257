import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { issueApiKey } from '../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import type { ExportNewsletterStatsResult } from '../src/shared/contracts';
import type { Settings } from '../src/settings';
import { connectClient } from '../src/temporal/connect';
import { DIALECTS, createTestDatabase, type TestDatabase } from './support/databases';
import { EXPECTED_HEADER, expectedStatsRows, parseCsv } from './support/expected-csv';
import { testSettings } from './support/system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const CONTACTS = 250_000;

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

    it('resumes from the last heartbeat in a new worker and finishes a complete, ordered file with no repeated row', async () => {
      const newsletterId = (await seedDemoTenant(test.database, { contacts: CONTACTS }))!.newsletters.headline;
      const userId = (await issueApiKey(test.database.db, DEMO_TENANT, 'crash@demo.test')).user.id;
      workers.push(startWorkerProcess(settings));
      const handle = await temporal.workflow.start('exportNewsletterStats', {
        taskQueue: settings.taskQueue,
        workflowId: `export-crash-${settings.taskQueue}`,
        // One chunk for the whole file: the kill lands inside a single activity attempt.
        args: [{ tenantId: DEMO_TENANT, userId, newsletterId, linkTtlMs: 60_000, chunkRows: 10_000_000 }],
      });

      const exportsDir = path.join(settings.dataDir, 'exports', DEMO_TENANT);
      const partSize = () => {
        const part = fs.existsSync(exportsDir)
          ? fs.readdirSync(exportsDir).find((f) => f.endsWith('.part'))
          : undefined;
        return part ? fs.statSync(path.join(exportsDir, part)).size : 0;
      };
      const deadline = Date.now() + 60_000;
      // About a fifth of the file: well inside the activity, after several heartbeats.
      while (partSize() < 4_000_000) {
        assert.ok(Date.now() < deadline, 'the export started writing');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await workers[0]!.kill('SIGKILL');
      const sizeAtCrash = partSize();

      const second = startWorkerProcess(settings);
      workers.push(second);
      const result = (await handle.result()) as ExportNewsletterStatsResult;

      assert.equal(result.rows, CONTACTS);
      assert.match(
        second.output(),
        /resuming export from its last heartbeat/,
        'the new worker resumed instead of starting over',
      );
      const fromRow = Number(/"fromRow":(\d+)/.exec(second.output())?.[1]);
      assert.ok(fromRow > 0 && fromRow < CONTACTS, `resumed from row ${fromRow}`);
      assert.ok(sizeAtCrash < result.bytes);

      const [header, ...rows] = parseCsv(fs.readFileSync(path.join(exportsDir, `${result.exportId}.csv`)));
      assert.deepEqual(header, EXPECTED_HEADER);
      const emails = rows.map((row) => row[0]);
      assert.equal(new Set(emails).size, CONTACTS, 'no repeated row');
      assert.deepEqual(rows, await expectedStatsRows(test.database.db, newsletterId), 'complete and in order');
      const history = await handle.fetchHistory();
      const attempts = history
        .events!.filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
      assert.ok(
        attempts.some((attempt) => attempt > 1),
        'the chunk activity was retried',
      );
    });
  });
}
