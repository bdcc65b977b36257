import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { buildOpenApiDocument } from '../src/api/openapi/document';
import { connectDatabase } from '../src/db/connect';
import { loadSettings } from '../src/settings';
import { createFileStores } from '../src/storage/stores';

/**
 * The description and the app cannot drift: every route the app serves is described, nothing else is,
 * and `GET /openapi.json` serves that description. No Temporal or database call is made here: the
 * client connects lazily and none of these routes needs it.
 */
describe('GET /openapi.json', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-openapi-'));
  const database = connectDatabase(path.join(dataDir, 'mailroom.sqlite'));
  const settings = loadSettings({ MAILROOM_DATA_DIR: dataDir, LINK_SECRET: 'k'.repeat(64) });
  const app = createApp({
    settings,
    database,
    temporal: new Client(),
    files: createFileStores(dataDir),
    logger: pino({ level: 'silent' }),
  });
  let server: Server;
  let url: string;

  before(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('describes exactly the routes the app serves, with the same path parameters', () => {
    const served = servedRoutes(app).map(({ method, path: p }) => `${method} ${p.replace(/:(\w+)/g, '{$1}')}`);
    const document = buildOpenApiDocument();
    const described = Object.entries(document.paths ?? {}).flatMap(([p, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const undescribed = served.filter((route) => !described.includes(route));
    assert.deepEqual(undescribed, [], 'register these routes in a describer listed in src/api/openapi.ts');
    assert.deepEqual(
      described.filter((route) => !served.includes(route)),
      [],
      'described but not served',
    );
  });

  it('serves the document as OpenAPI 3 JSON, the security scheme and the error shape included', async () => {
    const response = await fetch(`${url}/openapi.json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as any;
    assert.deepEqual(document, JSON.parse(JSON.stringify(buildOpenApiDocument())));
    assert.match(document.openapi, /^3\.1\./);
    assert.deepEqual(document.components.securitySchemes.apiKey, {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from `mailroom users create`',
    });
    const exportsPost = document.paths['/v1/exports'].post;
    assert.deepEqual(exportsPost.requestBody.content['application/json'].schema.required, ['newsletterId']);
    assert.equal(exportsPost.requestBody.content['application/json'].schema.additionalProperties, false);
    assert.ok(exportsPost.parameters.some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key'));
    assert.ok(document.paths['/v1/contacts/import'].post.requestBody.content['text/csv']);
    assert.ok(document.paths['/v1/tasks/{taskId}/events'].get.responses['200'].content['text/event-stream']);
    assert.ok(document.components.schemas.Error);
  });

  it('answers 405 with an Allow header for a known path asked with another method', async () => {
    const response = await fetch(`${url}/healthz`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assert.equal(((await response.json()) as any).error.code, 'method_not_allowed');
    assert.equal((await fetch(`${url}/no/such/path`, { method: 'DELETE' })).status, 404);
  });
});

/** Method and path of every route in an Express 5 app, mounted routers included. */
function servedRoutes(app: unknown): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods))
          routes.push({ method: method.toUpperCase(), path: layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as { router: { stack: any[] } }).router.stack);
  return routes;
}
