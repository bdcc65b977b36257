import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExportActivities } from '../src/activities/export-stats';
import { createMailer } from '../src/mail/mailer';
import { issueApiKey } from '../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import type { ExportCursor } from '../src/shared/contracts';
import { ExportFiles } from '../src/storage/export-files';
import { createFileStores } from '../src/storage/stores';
import { DIALECTS, createTestDatabase, type TestDatabase } from './support/databases';
import { EXPECTED_HEADER, expectedStatsRows, parseCsv } from './support/expected-csv';
import { testSettings } from './support/system';

/** Runs an activity function in a mock activity context, keeping its types. */
const run = <A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> => env.run(fn, ...args) as Promise<R>;

for (const dialect of DIALECTS) {
  describe(`writeStatsCsvChunk resumes from its heartbeat on ${dialect}`, () => {
    let test: TestDatabase;
    let activities: ReturnType<typeof createExportActivities>;
    let newsletterId: number;
    let dataDir: string;
    let userId: string;

    before(async () => {
      test = await createTestDatabase(dialect);
      newsletterId = (await seedDemoTenant(test.database, { contacts: 6_000 }))!.newsletters.headline;
      userId = (await issueApiKey(test.database.db, DEMO_TENANT, 'resume@demo.test')).user.id;
      const settings = await testSettings({ DATABASE_URL: test.url });
      dataDir = settings.dataDir;
      activities = createExportActivities({
        settings,
        database: test.database,
        readDatabase: test.database,
        ...createFileStores(dataDir),
        mailer: createMailer(settings),
      });
    });
    after(async () => {
      await test.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('cuts what was written after the last heartbeat and continues from its cursor, without a repeated row', async () => {
      const prepared = await run(new MockActivityEnvironment(), activities.prepareExport, {
        tenantId: DEMO_TENANT,
        userId: 'u',
        newsletterId,
      });
      const start: ExportCursor = { afterContactId: 0, rows: 0, bytes: 0 };
      // A first attempt that got through 4,000 rows, then died: its last heartbeat said 4,000.
      const beats: ExportCursor[] = [];
      const first = new MockActivityEnvironment();
      first.on('heartbeat', (details: ExportCursor) => beats.push(details));
      await run(first, activities.writeStatsCsvChunk, {
        fileKey: prepared.fileKey,
        newsletterId,
        cursor: start,
        maxRows: 4_000,
      });
      const lastBeat = beats.at(-1)!;
      assert.equal(lastBeat.rows, 4_000);
      // Rows it wrote after that heartbeat, before the crash: they must not survive.
      fs.appendFileSync(new ExportFiles(`${dataDir}/exports`).partPath(prepared.fileKey), 'half,written,row\ngarbage');

      const retry = new MockActivityEnvironment({ heartbeatDetails: lastBeat, attempt: 2 });
      const resumed = await run(retry, activities.writeStatsCsvChunk, {
        fileKey: prepared.fileKey,
        newsletterId,
        cursor: start,
        maxRows: 10_000,
      });
      assert.equal(resumed.finished, true);
      assert.equal(resumed.cursor.rows, 6_000);

      const result = await run(new MockActivityEnvironment(), activities.publishExport, {
        tenantId: DEMO_TENANT,
        userId,
        exportId: prepared.exportId,
        fileKey: prepared.fileKey,
        newsletterId,
        taskId: 'task-resume',
        cursor: resumed.cursor,
        linkTtlMs: 60_000,
      });
      const [header, ...rows] = parseCsv(fs.readFileSync(`${dataDir}/exports/${prepared.fileKey}`));
      assert.deepEqual(header, EXPECTED_HEADER);
      assert.deepEqual(rows, await expectedStatsRows(test.database.db, newsletterId));
      assert.equal(result.rows, 6_000);
    });
  });
}
