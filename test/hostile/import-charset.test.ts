import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findContactsByEmail } from '../../src/db/queries/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Issue 11, item 9: a contact import honours the `charset=` of its Content-Type (UTF-8, ISO-8859-1,
 * Windows-1252), refuses bytes that are not text in it with a 400 naming the line (they were silently
 * turned into U+FFFD), and a body sent as application/json is 415 like any other type, starting nothing.
 */
for (const dialect of DIALECTS) {
  describe(`import character sets, on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let aliceKey: string;
    const upload = (body: Uint8Array | string, contentType: string) =>
      fetch(`${sys.url}/v1/contacts/import`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${aliceKey}`, 'Content-Type': contentType },
        body,
      });
    const uploads = () => {
      const dir = path.join(sys.settings.dataDir, 'imports');
      return fs.existsSync(dir)
        ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.csv'))
        : [];
    };
    const taskCount = async () => (await sys.db.database.db.selectFrom('tasks').select('id').execute()).length;
    const names = async (emails: string[]) =>
      Object.fromEntries(
        (await findContactsByEmail(sys.db.database.db, 'acme', emails)).map((c) => [
          c.email,
          [c.first_name, c.last_name],
        ]),
      );
    const imported = async (response: Response) => {
      const body = (await response.json()) as any;
      assert.equal(response.status, 202, JSON.stringify(body));
      const task = await alice.waitForTask(body.taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      return task;
    };

    before(async () => {
      sys = await startTestSystem({ dialect });
      aliceKey = (await sys.user('acme', 'alice@acme.test')).apiKey;
      alice = apiClient(sys.url, aliceKey);
    });
    after(async () => sys?.stop());

    it('reads ISO-8859-1 as declared', async () => {
      const csv = Buffer.from(
        'joerg@example.com,J\u00f6rg,M\u00fcller\nzoe@example.com,Zo\u00e9,\u00c5ngstr\u00f6m\n',
        'latin1',
      );
      for (const charset of ['ISO-8859-1', 'latin1', '"iso-8859-1"']) {
        await imported(await upload(csv, `text/csv; charset=${charset}`));
      }
      assert.deepEqual(await names(['joerg@example.com', 'zoe@example.com']), {
        'joerg@example.com': ['Jörg', 'Müller'],
        'zoe@example.com': ['Zoé', 'Ångström'],
      });
    });

    it('reads Windows-1252 as declared, its 0x80-0x9F letters included', async () => {
      // 0x80 €, 0x9C œ, 0x8A Š, 0x92 ’
      const csv = Buffer.from([
        ...Buffer.from('euro@example.com,C'),
        0x9c,
        ...Buffer.from('ur,'),
        0x8a,
        ...Buffer.from('imon'),
        0x92,
        ...Buffer.from('s '),
        0x80,
        0x0a,
      ]);
      await imported(await upload(csv, 'text/csv; charset=windows-1252'));
      assert.deepEqual(await names(['euro@example.com']), { 'euro@example.com': ['Cœur', 'Šimon’s €'] });
    });

    it('refuses bytes that are not text in the declared charset with 400 naming the line, and keeps nothing', async () => {
      const before = await taskCount();
      const cases: [Buffer, string, number][] = [
        // Latin-1 bytes sent as (default) UTF-8.
        [Buffer.from('a@example.com,Ada\nb@example.com,J\u00f6rg\n', 'latin1'), 'text/csv', 2],
        [
          Buffer.from('a@example.com,Ada\nb@example.com,B\nc@example.com,J\u00f6rg\n', 'latin1'),
          'text/csv; charset=utf-8',
          3,
        ],
        // An encoded surrogate (CESU-8), a truncated sequence at the very end, an overlong NUL.
        [Buffer.from([...Buffer.from('a@example.com,'), 0xed, 0xa0, 0x80, 0x0a]), 'text/csv', 1],
        [Buffer.from([...Buffer.from('a@example.com,A\nb@example.com,'), 0xc3]), 'text/csv', 2],
        [Buffer.from([...Buffer.from('a@example.com,A\r\n\r\nb@example.com,'), 0xc0, 0x80, 0x0a]), 'text/csv', 3],
        // Bytes Windows-1252 leaves undefined; 8-bit bytes in US-ASCII.
        [
          Buffer.from([...Buffer.from('a@example.com,A\nb@example.com,'), 0x81, 0x0a]),
          'text/csv; charset=windows-1252',
          2,
        ],
        [Buffer.from('a@example.com,J\u00f6rg\n', 'latin1'), 'text/csv; charset=us-ascii', 1],
      ];
      for (const [bytes, type, line] of cases) {
        const response = await upload(bytes, type);
        const body = (await response.json()) as any;
        assert.equal(response.status, 400, `${type} ${JSON.stringify(body)}`);
        assert.equal(body.error.code, 'invalid_request');
        assert.match(body.error.message, new RegExp(`^body: line ${line} is not valid `), JSON.stringify(body));
      }
      assert.equal(await taskCount(), before, 'nothing started');
      assert.deepEqual(uploads(), [], 'no file kept');
    });

    it('answers 415 to a charset it does not know, and to a body sent as application/json', async () => {
      const before = await taskCount();
      const unknown = await upload('a@example.com\n', 'text/csv; charset=klingon');
      assert.equal(unknown.status, 415);
      for (const body of ['a@example.com,Ada,Lovelace\n', '{"email":"a@example.com"}', '{not json']) {
        const response = await upload(body, 'application/json');
        const answer = (await response.json()) as any;
        assert.equal(response.status, 415, `${body}: ${JSON.stringify(answer)}`);
        assert.equal(answer.error.code, 'unsupported_media_type');
      }
      assert.equal(await taskCount(), before, 'nothing started');
      assert.deepEqual(uploads(), []);
    });
  });
}
