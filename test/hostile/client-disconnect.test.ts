import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { startApi, type RunningApi } from '../../src/cli/commands/api';
import { ensureTenant } from '../../src/db/queries/tenants';
import { issueApiKey } from '../../src/db/queries/users';
import { now } from '../../src/db/schema';
import type { Settings } from '../../src/settings';
import { signDownloadToken } from '../../src/storage/download-links';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { testSettings } from '../support/system';
import { sleep, waitUntil } from '../support/wait';

/**
 * Issue 11, item 9: a client that goes away mid-request (a download stopped, an upload abandoned) is not
 * the service's fault: it is logged at debug, on one line, never as an error with a stack.
 */
describe('a client that disconnects', () => {
  let db: TestDatabase;
  let settings: Settings;
  let api: RunningApi;
  let apiKey: string;
  const lines: any[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const port = () => (api.server.address() as net.AddressInfo).port;

  /** Sends `head` (and `body` bytes) on a raw socket, reads `readBytes` of the answer at most, then resets. */
  const hangUp = (head: string, body: Buffer, readBytes: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(port(), '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from(head), body])));
      let read = 0;
      socket.on('data', (chunk) => {
        read += chunk.length;
        if (read >= readBytes) socket.resetAndDestroy();
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
      if (readBytes === 0) setTimeout(() => socket.resetAndDestroy(), 300);
    });

  before(async () => {
    db = await createTestDatabase('sqlite');
    settings = await testSettings({ DATABASE_URL: db.url, LOG_LEVEL: 'debug' });
    api = await startApi(settings, pino({ level: 'debug' }, capture));
    await ensureTenant(db.database.db, 'acme');
    const issued = await issueApiKey(db.database.db, 'acme', 'alice@acme.test');
    apiKey = issued.apiKey;
    const exportId = crypto.randomBytes(16).toString('hex');
    const fileKey = `acme/${exportId}.csv`;
    const file = path.join(settings.dataDir, 'exports', fileKey);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x'.repeat(64 * 1024 * 1024));
    await db.database.db
      .insertInto('exports')
      .values({
        id: exportId,
        tenant_id: 'acme',
        user_id: issued.user.id,
        newsletter_id: 1,
        task_id: 'export-acme-1-x',
        file_key: fileKey,
        rows: 1,
        bytes: 64 * 1024 * 1024,
        sha256: '0'.repeat(64),
        created_at: now(),
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .execute();
    const token = signDownloadToken({ exportId, expiresAt: new Date(Date.now() + 3_600_000) }, settings.linkSecret);
    (globalThis as any).downloadPath = `/downloads/${token}`;
  });
  after(async () => {
    await api?.close();
    await db?.drop();
    if (settings) fs.rmSync(settings.dataDir, { recursive: true, force: true });
  });

  const assertQuiet = async (what: string) => {
    const line = await waitUntil(`a debug line about ${what}`, () =>
      lines.find((l) => l.level === 20 && /disconnect/i.test(l.msg ?? '')),
    );
    await sleep(300);
    const loud = lines.filter((l) => l.level >= 40);
    assert.deepEqual(loud, [], `${what}: nothing at warn or above`);
    assert.ok(!JSON.stringify(line).includes('\\n    at '), `${what}: no stack in ${JSON.stringify(line)}`);
    assert.ok(line.err === undefined || line.err.stack === undefined, `${what}: no stack`);
    lines.length = 0;
  };

  it('a download stopped halfway is a debug line, not an error', async () => {
    await hangUp(`GET ${(globalThis as any).downloadPath} HTTP/1.1\r\nHost: x\r\n\r\n`, Buffer.alloc(0), 256 * 1024);
    await assertQuiet('a download');
  });

  it('an upload abandoned halfway is a debug line, not an error', async () => {
    const head = [
      'POST /v1/contacts/import HTTP/1.1',
      'Host: x',
      `Authorization: Bearer ${apiKey}`,
      'Content-Type: text/csv',
      'Content-Length: 100000',
      '',
      '',
    ].join('\r\n');
    await hangUp(head, Buffer.from('a@example.com,Ada\n'.repeat(100)), 0);
    await assertQuiet('an upload');
  });
});
