import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { LimitService } from '../../src/services/limits';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient, type ApiResponse } from '../support/http';
import { openEventStream } from '../support/sse';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil, withDeadline } from '../support/wait';

/** A 429 as DESIGN.md promises it: Retry-After, and a body naming the limit and its value. */
function assertLimit(response: ApiResponse, limit: string, max: number): void {
  assert.equal(response.status, 429, response.text);
  assert.equal(response.body.error.code, 'limit_exceeded');
  assert.equal(response.body.error.limit, limit);
  assert.equal(response.body.error.max, max);
  const retryAfter = Number(response.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${response.headers.get('retry-after')}`);
}

for (const dialect of DIALECTS) {
  describe(`per-tenant limits answer 429 and start nothing, on ${dialect}`, () => {
    const tenant = `capped-${dialect}`;
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;
    let apiKey: string;
    let limits: LimitService;
    let newsletterId: number;
    /** The tenant's workflows as Temporal lists them: what was really started. */
    /** The tenant's workflows of a kind, once visibility (eventually consistent) lists at least `atLeast`. */
    const workflows = async (kind: string, atLeast = 0) => {
      const count = async () => {
        let n = 0;
        const query = `TenantId = "${tenant}" AND TaskKind = "${kind}"`;
        for await (const _ of sys.temporal.workflow.list({ query })) n++;
        return n;
      };
      return waitUntil(`${atLeast} ${kind} workflows listed`, async () => {
        const n = await count();
        return n >= atLeast && { n };
      }).then(({ n }) => n);
    };

    before(async () => {
      // No worker: every task stays queued, as a tenant's backlog would.
      sys = await startTestSystem({ dialect, worker: false });
      await createAudience(sys.db.database.db, tenant, { subscribed: 3, unsubscribed: 0 });
      ({ apiKey } = await sys.user(tenant, `owner@${tenant}.test`));
      client = apiClient(sys.url, apiKey);
      limits = new LimitService(sys.db.database.db, sys.settings.limits);
      newsletterId = (
        await createNewsletter(sys.db.database.db, { tenantId: tenant, subject: 'Capped', html: '<p>x</p>' })
      ).id;
    });
    after(async () => {
      await sys?.stop();
    });

    it('exports: past the running + queued limit, 429 until one closes', async () => {
      await limits.set(tenant, { exports: 2 });
      const first = await client.post('/v1/exports', { newsletterId });
      const second = await client.post('/v1/exports', { newsletterId });
      assert.deepEqual([first.status, second.status], [202, 202]);
      assertLimit(await client.post('/v1/exports', { newsletterId }), 'exports', 2);
      assert.equal(await workflows('export', 2), 2, 'the refused request started no workflow');
      // An operator stops one: its close is noticed at the next start, which then goes through.
      await sys.temporal.workflow.getHandle(first.body.taskId).terminate('test');
      assert.equal((await client.post('/v1/exports', { newsletterId })).status, 202);
      assert.equal(await workflows('export', 3), 3);
    });

    it('sends: 429 leaves the newsletter a draft that can be sent later', async () => {
      await limits.set(tenant, { sends: 1 });
      const other = await createNewsletter(sys.db.database.db, {
        tenantId: tenant,
        subject: 'Other',
        html: '<p>y</p>',
      });
      assert.equal((await client.post(`/v1/newsletters/${newsletterId}/send`)).status, 202);
      assertLimit(await client.post(`/v1/newsletters/${other.id}/send`), 'sends', 1);
      const listed = await client.get('/v1/newsletters');
      const status = listed.body.items.find((n: { id: number }) => n.id === other.id).status;
      assert.equal(status, 'draft', 'the claim was given back');
      assert.equal(await workflows('send', 1), 1);
    });

    it('imports: 429 removes the refused upload', async () => {
      await limits.set(tenant, { imports: 1 });
      const csv = (email: string) =>
        client.call('POST', '/v1/contacts/import', `${email},A,B\n`, { 'Content-Type': 'text/csv' });
      assert.equal((await csv('one@capped.test')).status, 202);
      assertLimit(await csv('two@capped.test'), 'imports', 1);
      const dir = path.join(sys.settings.dataDir, 'imports', tenant);
      assert.equal(fs.readdirSync(dir).length, 1, `only the started import's file is kept: ${fs.readdirSync(dir)}`);
      assert.equal(await workflows('import', 1), 1);
    });

    it('schedules: too frequent is 400 naming the field; past the count, 429', async () => {
      const action = { type: 'export', newsletterId };
      const everyMinute = await client.post('/v1/schedules', { action, every: '1m' });
      assert.equal(everyMinute.status, 400, everyMinute.text);
      assert.match(everyMinute.body.error.message, /^every: /);
      const cronFiveMinutes = await client.post('/v1/schedules', { action, cron: '*/5 * * * *' });
      assert.equal(cronFiveMinutes.status, 400, cronFiveMinutes.text);
      assert.match(cronFiveMinutes.body.error.message, /^cron: /);
      // Lists with a short gap are caught too, not only steps.
      assert.equal((await client.post('/v1/schedules', { action, cron: '0,5 8 * * *' })).status, 400);
      await limits.set(tenant, { schedules: 1, minScheduleIntervalMs: 5 * 60_000 });
      assert.equal((await client.post('/v1/schedules', { action, every: '5m' })).status, 201, 'an override allows it');
      assertLimit(await client.post('/v1/schedules', { action, every: '1h' }), 'schedules', 1);
      assert.equal((await client.get('/v1/schedules')).body.items.length, 1);
    });

    it('export bytes: a tenant at its quota of stored files gets 429 until they expire', async () => {
      await limits.set(tenant, { exports: 100, exportBytes: 1_000 });
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      await sys.db.database.db
        .insertInto('exports')
        .values({
          id: `quota-${dialect}`,
          tenant_id: tenant,
          user_id: (
            await sys.db.database.db
              .selectFrom('users')
              .select('id')
              .where('tenant_id', '=', tenant)
              .executeTakeFirstOrThrow()
          ).id,
          newsletter_id: newsletterId,
          task_id: 'earlier',
          file_key: `${tenant}/quota.csv`,
          rows: 10,
          bytes: 1_000,
          sha256: '0'.repeat(64),
          created_at: new Date().toISOString(),
          expires_at: expiresAt,
        })
        .execute();
      const before = await workflows('export');
      const refused = await client.post('/v1/exports', { newsletterId });
      assertLimit(refused, 'export_bytes', 1_000);
      assert.ok(Number(refused.headers.get('retry-after')) > 3_000, 'retry when the stored file expires');
      assert.equal(await workflows('export'), before);
    });

    it('live progress streams: past the per-user limit, 429; closing one frees it', async () => {
      await limits.set(tenant, { eventStreams: 1, exports: 100, exportBytes: null });
      await sys.db.database.db.deleteFrom('exports').where('tenant_id', '=', tenant).execute();
      const { taskId } = (await client.post('/v1/exports', { newsletterId })).body;
      const url = `${sys.url}/v1/tasks/${taskId}/events`;
      const first = await openEventStream(url, apiKey);
      assert.equal(first.response.status, 200);
      assertLimit(await client.get(`/v1/tasks/${taskId}/events`), 'event_streams', 1);
      first.close();
      await withDeadline(
        'the freed stream slot',
        (async () => {
          for (;;) {
            const again = await openEventStream(url, apiKey);
            again.close();
            if (again.response.status === 200) return;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })(),
        10_000,
      );
    });

    it('reads no body before the API key is checked', async () => {
      const response = await fetch(`${sys.url}/v1/exports`, {
        method: 'POST',
        headers: { Authorization: 'Bearer not-a-key', 'Content-Type': 'application/json' },
        body: '{"this is not json',
      });
      assert.equal(response.status, 401, 'the key is refused before the malformed body is parsed');
    });
  });
}
