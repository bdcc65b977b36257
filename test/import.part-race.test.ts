import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestSystem, type TestSystem } from './support/system';
import { sleep, waitUntil } from './support/wait';

const MAX_BYTES = 4096;

/**
 * An import body refused mid-stream leaves nothing behind in `<dataDir>/imports/`: no `.part`, no `.csv`,
 * no task. The body comes without a Content-Length (chunked), so the limit can only be seen while it
 * streams in. The race this pins down (fixed in 43f6b3a): a write stream opens its file lazily, so a body
 * refused on its very first chunk had its clean-up run *before* the open, which then created an empty
 * `.part` that stayed forever. Each case is tried several times and the directory watched for a while
 * after the answer, since the stray file appears after it.
 */
describe('a refused or abandoned import upload leaves no file behind', () => {
  let sys: TestSystem;
  let apiKey: string;
  const importsRoot = () => path.join(sys.settings.dataDir, 'imports');
  /** Every file under the imports root, `.part` included, relative to it. */
  const leftovers = () =>
    fs.existsSync(importsRoot())
      ? fs
          .readdirSync(importsRoot(), { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => path.relative(importsRoot(), path.join(entry.parentPath, entry.name)))
      : [];
  /** Asserts the imports root stays empty for `ms` (a late `.part` shows up after the answer). */
  const staysEmpty = async (what: string, ms = 500) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(25)) {
      assert.deepEqual(leftovers(), [], `${what}: files left in ${importsRoot()}`);
    }
  };
  /** POSTs `chunks` as a chunked body (no Content-Length), one write per chunk. */
  const postChunked = async (chunks: Buffer[]) =>
    fetch(`${sys.url}/v1/contacts/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/csv' },
      body: new ReadableStream({
        pull: (controller) => {
          const chunk = chunks.shift();
          if (chunk) controller.enqueue(chunk);
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
  const csv = (bytes: number) => Buffer.from('x@example.com,A,B\n'.repeat(Math.ceil(bytes / 18)).slice(0, bytes));
  const taskCount = async () => (await sys.db.database.db.selectFrom('tasks').select('id').execute()).length;

  before(async () => {
    sys = await startTestSystem({
      dialect: 'sqlite',
      worker: false,
      env: { MAILROOM_IMPORT_MAX_BYTES: String(MAX_BYTES) },
    });
    apiKey = (await sys.user('acme', 'alice@acme.test')).apiKey;
  });
  after(async () => sys?.stop());

  it('413 on a first chunk already past the limit, and no .part file, ten times over', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await postChunked([csv(MAX_BYTES * 4)]);
      assert.equal(response.status, 413);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'too_large');
      assert.match(body.error.message, new RegExp(`larger than the limit of ${MAX_BYTES} bytes`));
      await staysEmpty(`try ${i + 1}`, 200);
    }
    await staysEmpty('after the tries');
    assert.equal(await taskCount(), 0, 'no task started');
  });

  it('413 once a body of small chunks passes the limit, and no .part file', async () => {
    for (let i = 0; i < 5; i++) {
      const chunks = Array.from({ length: 12 }, () => csv(512));
      const response = await postChunked(chunks);
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'too_large');
      await staysEmpty(`try ${i + 1}`, 200);
    }
    await staysEmpty('after the tries');
    assert.equal(await taskCount(), 0, 'no task started');
  });

  it('a body exactly at the limit is taken, and its upload is the only file', async () => {
    const response = await postChunked([csv(MAX_BYTES)]);
    assert.equal(response.status, 202, await response.clone().text());
    const files = leftovers();
    assert.equal(files.length, 1, `one upload: ${files.join(', ')}`);
    assert.match(files[0]!, /^acme\/[a-f0-9]{32}\.csv$/);
    assert.equal(fs.statSync(path.join(importsRoot(), files[0]!)).size, MAX_BYTES);
    fs.rmSync(path.join(importsRoot(), files[0]!));
    await sys.temporal.workflow
      .getHandle(((await response.json()) as { taskId: string }).taskId)
      .terminate('end of test')
      .catch(() => undefined);
  });

  it('a client that goes away mid-body leaves no .part file', async () => {
    const url = new URL(`${sys.url}/v1/contacts/import`);
    const tasks = await taskCount();
    for (let i = 0; i < 3; i++) {
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/csv', 'Transfer-Encoding': 'chunked' },
      });
      request.on('error', () => undefined);
      request.write(csv(1000));
      await waitUntil('the upload to start', () => leftovers().some((f) => f.endsWith('.part')), 10_000);
      request.destroy();
      await waitUntil('the abandoned .part to be removed', () => leftovers().length === 0, {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      await staysEmpty(`try ${i + 1}`, 200);
    }
    assert.equal(await taskCount(), tasks, 'no task started');
  });
});
