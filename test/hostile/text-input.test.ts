import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findContactsByEmail } from '../../src/db/queries/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Issue 11, item 1: a NUL or invalid text (a lone UTF-16 surrogate) in any text input answers 400 naming
 * the field on both databases (PostgreSQL refused to store it and answered 500), and an import CSV's
 * contact fields carrying them are invalid rows reported by line. Nothing is stored.
 */
const HOSTILE = { NUL: 'a\u0000b', 'lone high surrogate': 'a\ud800b', 'lone low surrogate': 'a\udc00b' };

/** JSON.stringify writes lone surrogates as \ud800 escapes: the body is valid JSON carrying invalid text. */
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

for (const dialect of DIALECTS) {
  describe(`NUL and invalid text in every text input, on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;

    before(async () => {
      sys = await startTestSystem({ dialect });
      alice = apiClient(sys.url, (await sys.user('acme', 'alice@acme.test')).apiKey);
    });
    after(async () => sys?.stop());

    const assert400 = (response: { status: number; body: any; text: string }, field: string, what: string) => {
      assert.equal(response.status, 400, `${what}: ${response.status} ${response.text}`);
      assert.equal(response.body.error.code, 'invalid_request', what);
      assert.match(response.body.error.message, new RegExp(`^${field}: `), what);
    };

    it('refuses each newsletter field with 400 naming it, and stores nothing', async () => {
      const draft = { subject: 'Hello', html: '<p>Hi</p>', text: 'Hi', from: 'news@acme.test' };
      for (const field of ['subject', 'html', 'text', 'from'] as const) {
        for (const [name, bad] of Object.entries(HOSTILE)) {
          const value = field === 'from' ? `ne${bad}ws@acme.test` : bad;
          const response = await alice.post('/v1/newsletters', { ...draft, [field]: value });
          assert400(response, field, `${name} in ${field}`);
        }
      }
      const list = await alice.get('/v1/newsletters');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.items, []);
    });

    it('refuses a cursor carrying NUL or invalid text, raw or inside its encoded position', async () => {
      for (const path of ['/v1/tasks', '/v1/schedules']) {
        for (const [name, bad] of Object.entries(HOSTILE)) {
          for (const cursor of [b64(['2026-01-01T00:00:00.000Z', bad]), b64([bad, 'x'])]) {
            const response = await alice.get(`${path}?cursor=${cursor}`);
            assert400(response, 'cursor', `${name} in the cursor of ${path}`);
          }
        }
        // Raw in the query string: a NUL, and the UTF-8 bytes of a surrogate (the URL form of a lone one).
        for (const raw of ['%00', 'a%00b', '%ED%A0%80', 'a%ED%B0%80']) {
          const response = await alice.get(`${path}?cursor=${raw}`);
          assert400(response, 'cursor', `${raw} as the cursor of ${path}`);
        }
      }
    });

    it('refuses NUL and invalid text in a schedule pause note, naming note', async () => {
      const { id: newsletterId } = (await alice.post('/v1/newsletters', { subject: 'Weekly', html: '<p>hi</p>' })).body;
      const created = await alice.post('/v1/schedules', { action: { type: 'export', newsletterId }, every: '1d' });
      assert.equal(created.status, 201, created.text);
      try {
        for (const [name, bad] of Object.entries(HOSTILE)) {
          const response = await alice.post(`/v1/schedules/${created.body.id}/pause`, { note: bad });
          assert400(response, 'note', `${name} in note`);
        }
        for (const [name, bad] of Object.entries(HOSTILE)) {
          const response = await alice.call('PATCH', `/v1/schedules/${created.body.id}`, { timezone: bad });
          assert400(response, 'timezone', `${name} in timezone`);
        }
        const unknown = await alice.get(`/v1/schedules/${encodeURIComponent('sched-\u0000')}`);
        assert.ok([400, 404].includes(unknown.status), `NUL in a schedule id: ${unknown.status} ${unknown.text}`);
      } finally {
        await alice.call('DELETE', `/v1/schedules/${created.body.id}`);
      }
    });

    it('reports import rows whose contact fields carry NUL as invalid, by line, and imports the rest', async () => {
      const csv = [
        'email,first name,last name',
        'ok@example.com,Ok,Fine',
        'nul-first@example.com,A\u0000da,Lovelace',
        'nul-last@example.com,Ada,Love\u0000lace',
        'nul\u0000mail@example.com,Ada,Lovelace',
        'also-ok@example.com,Grace,Hopper',
      ].join('\n');
      const started = await alice.call('POST', '/v1/contacts/import', csv, { 'Content-Type': 'text/csv' });
      assert.equal(started.status, 202, started.text);
      const task = await alice.waitForTask(started.body.taskId);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.equal(task.result.imported, 2);
      assert.deepEqual(
        task.result.invalidRows.map((row: { line: number }) => row.line),
        [3, 4, 5],
        JSON.stringify(task.result),
      );
      for (const row of task.result.invalidRows) assert.ok(!row.reason.includes('\u0000'), row.reason);
      const stored = await findContactsByEmail(sys.db.database.db, 'acme', [
        'ok@example.com',
        'also-ok@example.com',
        'nul-first@example.com',
        'nul-last@example.com',
      ]);
      assert.deepEqual(stored.map((c) => c.email).sort(), ['also-ok@example.com', 'ok@example.com']);
    });
  });
}
