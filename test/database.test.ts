import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../src/db/migrate';
import { readDeliveryStatsPage } from '../src/db/queries/delivery-stats';
import { listNewsletters } from '../src/db/queries/newsletters';
import { listOwnTasks, recordTask } from '../src/db/queries/tasks';
import { ensureTenant } from '../src/db/queries/tenants';
import { findUserByApiKey, issueApiKey } from '../src/db/queries/users';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';
import { atMost } from './support/wait';

async function fingerprint(test: TestDatabase): Promise<string> {
  const hash = crypto.createHash('sha256');
  const contacts = await test.database.db.selectFrom('contacts').selectAll().orderBy('id').execute();
  const deliveries = await test.database.db
    .selectFrom('deliveries')
    .selectAll()
    .orderBy('newsletter_id')
    .orderBy('contact_id')
    .execute();
  for (const row of [...contacts, ...deliveries]) hash.update(JSON.stringify(row));
  return hash.digest('hex');
}

for (const dialect of DIALECTS) {
  describe(`database on ${dialect}`, () => {
    let a: TestDatabase;
    let b: TestDatabase;
    before(async () => {
      [a, b] = await Promise.all([createTestDatabase(dialect), createTestDatabase(dialect)]);
    });
    after(async () => {
      await Promise.all([a.drop(), b.drop()]);
    });

    it('migrates idempotently', async () => {
      assert.deepEqual(await migrateToLatest(a.database), []);
    });

    it('seeds deterministically: same N, same rows, with progress reported', async () => {
      const progress: number[] = [];
      const seeded = await seedDemoTenant(a.database, { contacts: 5_000, onProgress: (done) => progress.push(done) });
      await seedDemoTenant(b.database, { contacts: 5_000 });
      assert.ok(seeded);
      assert.ok(progress.length >= 2 && progress.at(-1) === 5_000 * 2 + 1_000, `progress ${progress.join(',')}`);
      assert.equal(await fingerprint(a), await fingerprint(b));
      const counts = await a.database.db
        .selectFrom('deliveries')
        .select(['newsletter_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('newsletter_id')
        .orderBy('newsletter_id')
        .execute();
      assert.deepEqual(
        counts.map((c) => Number(c.n)),
        [5_000, 1_000],
      );
    });

    it('does not seed twice', async () => {
      assert.equal(await seedDemoTenant(a.database, { contacts: 5_000 }), undefined);
    });

    it('pages delivery statistics in contact order without gaps or repeats', async () => {
      const { headline } = await a.database.db
        .selectFrom('newsletters')
        .select('id as headline')
        .where('tenant_id', '=', DEMO_TENANT)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const seen: number[] = [];
      let after = 0;
      for (const _ of atMost(100, 'pages of delivery statistics')) {
        const page = await readDeliveryStatsPage(a.database.db, headline, after, 700);
        if (page.length === 0) break;
        seen.push(...page.map((row) => row[0]));
        after = page.at(-1)![0];
      }
      assert.equal(seen.length, 5_000);
      assert.equal(new Set(seen).size, 5_000);
      assert.deepEqual(
        seen,
        [...seen].sort((x, y) => x - y),
      );
    });

    it('lists newsletters newest first with recipient counts and pagination', async () => {
      const first = await listNewsletters(a.database.db, DEMO_TENANT, { limit: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.next);
      const second = await listNewsletters(a.database.db, DEMO_TENANT, { limit: 2, beforeId: first.next });
      const all = [...first.items, ...second.items];
      assert.deepEqual(
        all.map((n) => n.status),
        ['draft', 'sent', 'sent'],
      );
      assert.equal(all[1]!.recipients, 1_000);
      assert.equal(all[2]!.recipients, 5_000);
      assert.ok(all[0]!.recipients > 4_700 && all[0]!.recipients < 5_000, 'a draft counts subscribed contacts');
      assert.deepEqual((await listNewsletters(a.database.db, 'nobody', { limit: 5 })).items, []);
    });

    it('pages tasks newest first without a gap or a repeat, also when tasks share a creation time', async () => {
      await ensureTenant(a.database.db, 'pager');
      const { user } = await issueApiKey(a.database.db, 'pager', 'pager@pager.test');
      const owner = { tenantId: 'pager', userId: user.id };
      const times = [
        '2026-01-01T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-03T00:00:00.000Z',
      ];
      for (const [i, created_at] of times.entries()) {
        await recordTask(a.database.db, {
          id: `task-${i}`,
          tenant_id: 'pager',
          user_id: user.id,
          kind: 'export',
          idempotency_key: null,
          request_hash: null,
          created_at,
        });
      }
      const seen: string[] = [];
      let before: { createdAt: string; id: string } | undefined;
      for (const _ of atMost(10, 'pages of tasks')) {
        const page = await listOwnTasks(a.database.db, owner, { limit: 2, before });
        seen.push(...page.map((t) => t.id));
        if (page.length < 2) break;
        before = { createdAt: page[1]!.created_at, id: page[1]!.id };
      }
      assert.deepEqual(seen, ['task-4', 'task-3', 'task-2', 'task-1', 'task-0']);
    });

    it('stores API keys hashed and finds users by key', async () => {
      await ensureTenant(a.database.db, 'acme');
      const { apiKey, user } = await issueApiKey(a.database.db, 'acme', 'ops@acme.test');
      assert.notEqual(user.api_key_hash, apiKey);
      assert.ok(!JSON.stringify(await a.database.db.selectFrom('users').selectAll().execute()).includes(apiKey));
      assert.equal((await findUserByApiKey(a.database.db, apiKey))?.id, user.id);
      assert.equal(await findUserByApiKey(a.database.db, `${apiKey}x`), undefined);
    });
  });
}
