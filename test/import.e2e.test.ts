import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findContactsByEmail } from '../src/db/queries/contacts';
import { now } from '../src/db/schema';
import { TaskView } from '../src/shared/views';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { startTestSystem, type TestSystem } from './support/system';
import { waitUntil } from './support/wait';

const MAX_BYTES = 4096;

/** Header in another order with an extra column, CRLF and LF, a quoted multi-line name, a blank line. */
const CSV = [
  'Last name,Email,First name,Company\r\n',
  'Lovelace,ADA@example.com,Ada,Analytical\r\n',
  'Hopper,grace@example.com,Grace,Navy\n',
  ',not-an-address,Bob,\n',
  '"O\'Brien, Jr.",conan@example.com,"Conan\nthe Second",X\n',
  'Müller,jorg@example.com,Jörg\n',
  '\n',
  'Existing,existing@example.com,Updated\n',
  'Hopper,grace@example.com,Grace B.\n',
  'Nobody,,Empty\n',
].join('');

for (const dialect of DIALECTS) {
  describe(`contact import through HTTP on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let aliceKey: string;
    const importCsv = (client: ReturnType<typeof apiClient>, text: string, headers: Record<string, string> = {}) =>
      client.call('POST', '/v1/contacts/import', text, { 'Content-Type': 'text/csv', ...headers });
    const uploads = () => {
      const dir = path.join(sys.settings.dataDir, 'imports');
      return fs.existsSync(dir)
        ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.csv'))
        : [];
    };
    const taskCount = async () => (await sys.db.database.db.selectFrom('tasks').select('id').execute()).length;

    before(async () => {
      sys = await startTestSystem({ dialect, env: { MAILROOM_IMPORT_MAX_BYTES: String(MAX_BYTES) } });
      aliceKey = (await sys.user('acme', 'alice@acme.test')).apiKey;
      alice = apiClient(sys.url, aliceKey);
      await sys.user('rival', 'mallory@rival.test');
      const at = now();
      await sys.db.database.db
        .insertInto('contacts')
        .values([
          {
            tenant_id: 'acme',
            email: 'existing@example.com',
            first_name: 'Old',
            last_name: 'Name',
            unsubscribed: 1,
            created_at: at,
            updated_at: at,
          },
          {
            tenant_id: 'rival',
            email: 'ada@example.com',
            first_name: 'Rival',
            last_name: 'Ada',
            unsubscribed: 0,
            created_at: at,
            updated_at: at,
          },
        ])
        .execute();
    });
    after(async () => sys?.stop());

    it('imports valid rows, updates existing contacts, and reports invalid rows by line', async () => {
      const started = await importCsv(alice, CSV);
      assert.equal(started.status, 202, started.text);
      assert.match(started.body.taskId, /^import-acme-[0-9a-f]+$/);
      assert.equal(started.body.kind, 'import');
      const task = await alice.waitForTask(started.body.taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      TaskView.parse(task);
      assert.deepEqual(task.result, {
        rows: 8,
        imported: 6,
        created: 4,
        updated: 2,
        invalid: 2,
        invalidRows: [
          { line: 4, reason: '"not-an-address" is not a valid email address' },
          { line: 11, reason: 'the email address is missing' },
        ],
      });
      assert.deepEqual(task.progress, { phase: 'done', done: 8, total: 8 });

      const rows = await sys.db.database.db
        .selectFrom('contacts')
        .selectAll()
        .where('tenant_id', '=', 'acme')
        .orderBy('email')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.email, r.first_name, r.last_name, r.unsubscribed]),
        [
          ['ada@example.com', 'Ada', 'Lovelace', 0],
          ['conan@example.com', 'Conan\nthe Second', "O'Brien, Jr.", 0],
          ['existing@example.com', 'Updated', 'Existing', 1],
          ['grace@example.com', 'Grace B.', 'Hopper', 0],
          ['jorg@example.com', 'Jörg', 'Müller', 0],
        ],
        'one row per address; an import never resubscribes',
      );
      const [rivalAda] = await findContactsByEmail(sys.db.database.db, 'rival', ['ada@example.com']);
      assert.equal(rivalAda?.first_name, 'Rival', 'another tenant’s contact with the same address is untouched');
      assert.deepEqual(uploads(), [], 'the uploaded file is deleted');

      const notes = await alice.get('/v1/notifications');
      assert.equal(notes.body.items.length, 1);
      assert.equal(
        notes.body.items[0].message,
        'Your contact import finished: 6 contacts imported (4 new, 2 updated); 2 invalid rows skipped (lines 4, 11; the task lists why).',
      );
      assert.equal(notes.body.items[0].taskId, started.body.taskId);
      await alice.post(`/v1/notifications/${notes.body.items[0].id}/read`);
    });

    it('keeps stored names when a file without a header has no name columns', async () => {
      const started = await importCsv(alice, 'ada@example.com\nnew@example.com,New,Person');
      const task = await alice.waitForTask(started.body.taskId);
      assert.deepEqual([task.result.created, task.result.updated, task.result.invalid], [1, 1, 0]);
      const [ada, added] = await findContactsByEmail(sys.db.database.db, 'acme', [
        'ada@example.com',
        'new@example.com',
      ]);
      assert.deepEqual([ada?.first_name, ada?.last_name], ['Ada', 'Lovelace']);
      assert.deepEqual([added?.first_name, added?.last_name], ['New', 'Person']);
    });

    it('fails a file that is not CSV past some line, naming the line, keeping the rows before it', async () => {
      const started = await importCsv(
        alice,
        'kept@example.com,Kept\n"broken@example.com,Broken\nlost@example.com,Lost\n',
      );
      const task = await alice.waitForTask(started.body.taskId);
      assert.equal(task.status, 'FAILED');
      assert.equal(task.error.code, 'ImportFileMalformed');
      assert.match(
        task.error.message,
        /not valid CSV at line 2 \(a quoted field is never closed\); the 1 contact before it was imported/,
      );
      assert.equal(
        (await findContactsByEmail(sys.db.database.db, 'acme', ['kept@example.com', 'lost@example.com'])).length,
        1,
      );
      const note = (await alice.get('/v1/notifications')).body.items.find((n: any) => n.taskId === started.body.taskId);
      assert.match(note.message, /^Your contact import failed: the file is not valid CSV at line 2/);
      // A failed import notifies first, then deletes its upload (the notice must not wait on a clean-up).
      await waitUntil('the malformed upload to be deleted', () => uploads().length === 0);
    });

    it('starts one import per Idempotency-Key and file, and refuses the key with another file', async () => {
      const headers = { 'Idempotency-Key': `import-${dialect}` };
      const first = await importCsv(alice, 'same@example.com\n', headers);
      const again = await importCsv(alice, 'same@example.com\n', headers);
      assert.deepEqual([first.status, again.status], [202, 200]);
      assert.equal(again.body.taskId, first.body.taskId);
      const other = await importCsv(alice, 'other@example.com\n', headers);
      assert.equal(other.status, 422);
      await alice.waitForTask(first.body.taskId);
      assert.deepEqual(uploads(), [], 'the repeated uploads are not kept');
    });

    it('answers 415 for other types, 413 past the limit, 400 for an empty body, and starts nothing', async () => {
      const before = await taskCount();
      const json = await alice.post('/v1/contacts/import', { email: 'a@b.co' });
      assert.equal(json.status, 415);
      assert.equal(json.body.error.code, 'unsupported_media_type');
      assert.equal((await importCsv(alice, 'a@b.co', { 'Content-Type': 'text/plain' })).status, 415);
      assert.equal((await importCsv(alice, 'a@b.co', { 'Content-Type': 'text/csv; charset=klingon' })).status, 415);

      const big = 'x@example.com,A,B\n'.repeat(Math.ceil((MAX_BYTES + 1) / 18));
      const declared = await importCsv(alice, big);
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.code, 'too_large');
      // Without a Content-Length the limit holds while the body streams in.
      const chunks = [big.slice(0, 3000), big.slice(3000)];
      const streamed = await fetch(`${sys.url}/v1/contacts/import`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${aliceKey}`, 'Content-Type': 'text/csv' },
        body: new ReadableStream({
          pull: (c) => (chunks.length ? c.enqueue(new TextEncoder().encode(chunks.shift())) : c.close()),
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(streamed.status, 413);

      const badKey = await importCsv(alice, 'a@b.co', { 'Idempotency-Key': 'has spaces' });
      assert.equal(badKey.status, 400);
      assert.match(badKey.body.error.message, /^Idempotency-Key: /);
      const empty = await importCsv(alice, '');
      assert.equal(empty.status, 400);
      assert.match(empty.body.error.message, /^body: /);
      assert.equal(
        (await apiClient(sys.url).call('POST', '/v1/contacts/import', 'a@b.co', { 'Content-Type': 'text/csv' })).status,
        401,
      );
      assert.equal(await taskCount(), before);
      assert.deepEqual(uploads(), []);
    });
  });
}
