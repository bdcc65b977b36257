import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createImportActivities } from '../src/activities/import-contacts';
import { createMailer } from '../src/mail/mailer';
import { ensureTenant } from '../src/db/queries/tenants';
import {
  emptyImportCursor,
  type ImportContactsInput,
  type ImportContactsResult,
  type ImportCursor,
} from '../src/shared/contracts';
import type { ImportFiles } from '../src/storage/import-files';
import { createFileStores } from '../src/storage/stores';
import { importContacts } from '../src/workflows';
import { startTestSystem, type TestSystem } from './support/system';

/** 30 data rows after a header; every 7th has a bad address. Names carry the row number. */
const ROWS = 30;
const CSV = [
  'email,first,last',
  ...Array.from({ length: ROWS }, (_, i) => (i % 7 === 6 ? `bad-${i}@,F${i},L${i}` : `p${i}@example.com,F${i},L${i}`)),
].join('\n');
const INVALID_LINES = Array.from({ length: ROWS }, (_, i) => i)
  .filter((i) => i % 7 === 6)
  .map((i) => i + 2);

const run = <A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> => env.run(fn, ...args) as Promise<R>;

describe('importContacts across chunks and retries (SQLite, real worker)', () => {
  let sys: TestSystem;
  let files: ImportFiles;
  const upload = async (tenantId: string) =>
    (await files.receive(tenantId, Readable.from([Buffer.from(CSV)]), 1 << 20)).fileKey;
  const names = (tenantId: string) =>
    sys.db.database.db
      .selectFrom('contacts')
      .select(['email', 'first_name'])
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .execute();

  before(async () => {
    sys = await startTestSystem({ dialect: 'sqlite' });
    files = createFileStores(sys.settings.dataDir).importFiles;
    for (const tenant of ['chunks', 'retry']) await ensureTenant(sys.db.database.db, tenant);
  });
  after(async () => sys?.stop());

  it('carries the cursor and the header’s columns from chunk to chunk', async () => {
    const { userId } = await sys.user('chunks', 'owner@chunks.test');
    const input: ImportContactsInput = { tenantId: 'chunks', userId, fileKey: await upload('chunks'), chunkRows: 4 };
    const result: ImportContactsResult = await sys.temporal.workflow.execute(importContacts, {
      taskQueue: sys.settings.taskQueue,
      workflowId: `import-chunks-test-${Date.now()}`,
      args: [input],
    });
    assert.equal(result.rows, ROWS);
    assert.equal(result.invalid, INVALID_LINES.length);
    assert.deepEqual(
      result.invalidRows.map((r) => r.line),
      INVALID_LINES,
      'absolute line numbers in every chunk',
    );
    assert.equal(result.created, ROWS - INVALID_LINES.length);
    const rows = await names('chunks');
    assert.equal(rows.length, result.created);
    assert.ok(
      rows.every((r) => r.first_name === `F${r.email.slice(1, r.email.indexOf('@'))}`),
      'every name beside its own address',
    );
    assert.equal(await files.exists(input.fileKey), false, 'the upload is deleted at the end');
  });

  it('resumes a retried chunk from its last heartbeat, skipping nothing and repeating nothing', async () => {
    const settings = sys.settings;
    const activities = createImportActivities({
      settings,
      database: sys.db.database,
      readDatabase: sys.db.database,
      ...createFileStores(settings.dataDir),
      mailer: createMailer(settings),
    });
    const fileKey = await upload('retry');
    const start = emptyImportCursor();
    // A first attempt that committed 10 rows and heartbeated, then died.
    const beats: ImportCursor[] = [];
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (cursor: ImportCursor) => beats.push(cursor));
    await run(first, activities.importContactsChunk, { tenantId: 'retry', fileKey, cursor: start, maxRows: 10 });
    const lastBeat = beats.at(-1)!;
    assert.equal(lastBeat.rows, 10);
    assert.equal(lastBeat.line, 11);

    // The retry gets the same input (the start of the file) and the heartbeat: it must go on from line 12.
    const retry = new MockActivityEnvironment({ heartbeatDetails: lastBeat, attempt: 2 });
    const { cursor, finished } = await run(retry, activities.importContactsChunk, {
      tenantId: 'retry',
      fileKey,
      cursor: start,
      maxRows: 1_000,
    });
    assert.equal(finished, true);
    assert.equal(cursor.rows, ROWS);
    assert.deepEqual(
      cursor.invalidRows.map((r) => r.line),
      INVALID_LINES,
    );
    assert.equal(cursor.created, ROWS - INVALID_LINES.length);
    assert.equal(cursor.updated, 0, 'no row was applied twice');
    assert.equal((await names('retry')).length, ROWS - INVALID_LINES.length);
  });
});
