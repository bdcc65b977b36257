import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExportActivities } from '../src/activities/export-stats';
import { createMailer } from '../src/mail/mailer';
import { issueApiKey } from '../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import type { ExportCursor, ExportNewsletterStatsResult } from '../src/shared/contracts';
import { createFileStores } from '../src/storage/stores';
import { DIALECTS, createTestDatabase, type TestDatabase } from './support/databases';
import { EXPECTED_HEADER, expectedStatsRows, parseCsv } from './support/expected-csv';
import { SENTINEL, writeSentinel } from './support/export-faults';
import { testSettings } from './support/system';

/** Runs an activity function in a mock activity context, keeping its types. */
const run = <A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> => env.run(fn, ...args) as Promise<R>;

const CONTACTS = 6_000;
const START: ExportCursor = { afterContactId: 0, rows: 0, bytes: 0 };
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

for (const dialect of DIALECTS) {
  describe(`writeStatsCsvChunk resumes from its heartbeat on ${dialect}`, () => {
    let test: TestDatabase;
    let activities: ReturnType<typeof createExportActivities>;
    /** The same activities in another worker: its own file stores, so none of the first one's hashes. */
    let otherWorker: ReturnType<typeof createExportActivities>;
    let stores: ReturnType<typeof createFileStores>;
    let newsletterId: number;
    let dataDir: string;
    let userId: string;
    /** The same export made without any fault: what every recovered export must equal, byte for byte. */
    let reference: { file: Buffer; result: ExportNewsletterStatsResult };

    /** Starts an export: its file key, and a chunk writer that records the heartbeats of each attempt. */
    async function begin() {
      const prepared = await run(new MockActivityEnvironment(), activities.prepareExport, {
        tenantId: DEMO_TENANT,
        userId,
        newsletterId,
      });
      const part = stores.exportFiles.partPath(prepared.fileKey);
      const chunk = async (cursor: ExportCursor, maxRows: number, resumeFrom?: ExportCursor, worker = activities) => {
        const beats: ExportCursor[] = [];
        const env = new MockActivityEnvironment(resumeFrom ? { heartbeatDetails: resumeFrom, attempt: 2 } : {});
        env.on('heartbeat', (details: ExportCursor) => beats.push(details));
        const result = await run(env, worker.writeStatsCsvChunk, {
          fileKey: prepared.fileKey,
          newsletterId,
          cursor,
          maxRows,
        });
        return { ...result, lastBeat: beats.at(-1)! };
      };
      const publish = async (cursor: ExportCursor, worker = activities) => {
        const result = await run(new MockActivityEnvironment(), worker.publishExport, {
          tenantId: DEMO_TENANT,
          userId,
          exportId: prepared.exportId,
          fileKey: prepared.fileKey,
          newsletterId,
          taskId: `task-${prepared.exportId}`,
          cursor,
          linkTtlMs: 60_000,
        });
        return { result, file: fs.readFileSync(stores.exportFiles.resolve(prepared.fileKey)) };
      };
      return { part, chunk, publish };
    }

    /** The published file equals the fault-free one by bytes, and by the reported size and sha256. */
    function assertSameAsReference(published: { result: ExportNewsletterStatsResult; file: Buffer }) {
      assert.equal(published.result.rows, CONTACTS);
      assert.equal(published.result.bytes, reference.result.bytes, 'reported size');
      assert.equal(published.result.sha256, reference.result.sha256, 'reported sha256');
      assert.equal(sha256(published.file), published.result.sha256, 'the reported sha256 is the file’s');
      assert.ok(published.file.equals(reference.file), 'the file equals the fault-free export, byte for byte');
    }

    before(async () => {
      test = await createTestDatabase(dialect);
      newsletterId = (await seedDemoTenant(test.database, { contacts: CONTACTS }))!.newsletters.headline;
      userId = (await issueApiKey(test.database.db, DEMO_TENANT, 'resume@demo.test')).user.id;
      const settings = await testSettings({ DATABASE_URL: test.url });
      dataDir = settings.dataDir;
      stores = createFileStores(dataDir);
      activities = createExportActivities({
        settings,
        database: test.database,
        readDatabase: test.database,
        ...stores,
        mailer: createMailer(settings),
      });
      otherWorker = createExportActivities({
        settings,
        database: test.database,
        readDatabase: test.database,
        ...createFileStores(dataDir),
        mailer: createMailer(settings),
      });
      const clean = await begin();
      const written = await clean.chunk(START, 1_000_000);
      assert.equal(written.finished, true);
      reference = await clean.publish(written.cursor);
      const [header, ...rows] = parseCsv(reference.file);
      assert.deepEqual(header, EXPECTED_HEADER);
      assert.deepEqual(rows, await expectedStatsRows(test.database.db, newsletterId), 'the reference is right');
    });
    after(async () => {
      await test.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('cuts what was written after the last heartbeat and continues from its cursor, without a repeated row', async () => {
      const exp = await begin();
      // A first attempt that got through 4,000 rows, then died: its last heartbeat said 4,000.
      const first = await exp.chunk(START, 4_000);
      assert.equal(first.lastBeat.rows, 4_000);
      // Rows it wrote after that heartbeat, before the crash: they must not survive.
      fs.appendFileSync(exp.part, 'half,written,row\ngarbage');
      // A sentinel inside the heartbeated part: a resume keeps it, a rewrite from row 0 would not.
      const { at, original } = writeSentinel(exp.part, Math.floor(first.lastBeat.bytes / 2));

      const resumed = await exp.chunk(START, 10_000, first.lastBeat);
      assert.equal(resumed.finished, true);
      assert.equal(resumed.cursor.rows, CONTACTS);
      const published = await exp.publish(resumed.cursor);
      assert.equal(published.file.subarray(at, at + SENTINEL.length).toString(), SENTINEL, 'resumed, not rewritten');
      original.copy(published.file, at);
      published.result.sha256 = sha256(published.file);
      assertSameAsReference(published);
    });

    it('never pads a file shorter than its heartbeat: the chunk restarts from its own start, which the file holds', async () => {
      const exp = await begin();
      const chunk1 = await exp.chunk(START, 2_000);
      // The second chunk heartbeated 4,000 rows, then the machine died and lost the file's unsynced tail.
      const chunk2 = await exp.chunk(chunk1.cursor, 2_000);
      assert.equal(chunk2.lastBeat.rows, 4_000);
      fs.truncateSync(exp.part, chunk1.cursor.bytes + 100);
      // A sentinel in the first chunk, synced when it ended: restarting the second chunk keeps it.
      const { at, original } = writeSentinel(exp.part, Math.floor(chunk1.cursor.bytes / 2));

      const resumed = await exp.chunk(chunk1.cursor, 10_000, chunk2.lastBeat);
      assert.equal(resumed.cursor.rows, CONTACTS);
      const published = await exp.publish(resumed.cursor);
      assert.ok(!published.file.includes(0), 'no NUL byte in the file');
      assert.equal(published.file.subarray(at, at + SENTINEL.length).toString(), SENTINEL, 'the first chunk was kept');
      original.copy(published.file, at);
      published.result.sha256 = sha256(published.file);
      assertSameAsReference(published);
    });

    it('rewrites from the first row a file shorter than even its chunk’s start', async () => {
      const exp = await begin();
      const chunk1 = await exp.chunk(START, 2_000);
      const chunk2 = await exp.chunk(chunk1.cursor, 2_000);
      fs.truncateSync(exp.part, chunk1.cursor.bytes - 100);
      const resumed = await exp.chunk(chunk1.cursor, 10_000, chunk2.lastBeat);
      assert.equal(resumed.cursor.rows, CONTACTS);
      assertSameAsReference(await exp.publish(resumed.cursor));
    });

    it('reports the file’s sha256 when its chunks ran on different workers, each hashing what it did not write', async () => {
      const exp = await begin();
      const chunk1 = await exp.chunk(START, 2_000);
      const chunk2 = await exp.chunk(chunk1.cursor, 1_500, undefined, otherWorker);
      const chunk3 = await exp.chunk(chunk2.cursor, 10_000);
      assert.equal(chunk3.finished, true);
      assertSameAsReference(await exp.publish(chunk3.cursor, otherWorker));
    });

    it('does not resume over a tail of zeros (a file extended over a hole)', async () => {
      const exp = await begin();
      const first = await exp.chunk(START, 4_000);
      // The right length, but its last page never reached the disk.
      const fd = fs.openSync(exp.part, 'r+');
      fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, first.lastBeat.bytes - 4096);
      fs.closeSync(fd);
      const resumed = await exp.chunk(START, 10_000, first.lastBeat);
      assert.equal(resumed.cursor.rows, CONTACTS);
      assertSameAsReference(await exp.publish(resumed.cursor));
    });
  });
}
