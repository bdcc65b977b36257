import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { LimitService } from '../../src/services/limits';
import { createAudience } from '../support/contacts';
import { DIALECTS } from '../support/databases';
import { apiClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

const PAIRS = 20;

for (const dialect of DIALECTS) {
  describe(`two simultaneous requests with one Idempotency-Key start one task, on ${dialect}`, () => {
    const tenant = `racer-${dialect}`;
    let sys: TestSystem;
    let client: ReturnType<typeof apiClient>;
    let newsletters: [number, number];
    /** The tenant's workflows of a kind, once visibility (eventually consistent) lists at least `atLeast`. */
    const workflows = (kind: string, atLeast: number) =>
      waitUntil(`${atLeast} ${kind} workflows listed`, async () => {
        let n = 0;
        for await (const _ of sys.temporal.workflow.list({ query: `TenantId = "${tenant}" AND TaskKind = "${kind}"` }))
          n++;
        return n >= atLeast && n;
      });

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      await createAudience(sys.db.database.db, tenant, { subscribed: 1 });
      client = apiClient(sys.url, (await sys.user(tenant, `racer@${tenant}.test`)).apiKey);
      await new LimitService(sys.db.database.db, sys.settings.limits).set(tenant, { exports: 1_000, imports: 1_000 });
      const make = async (subject: string) =>
        (await createNewsletter(sys.db.database.db, { tenantId: tenant, subject, html: '<p>x</p>' })).id;
      newsletters = [await make('One'), await make('Two')];
    });
    after(async () => {
      await sys?.stop();
    });

    it('exports: one 202 and one 422 for different bodies, one 202 and one 200 for the same; never a 5xx', async () => {
      for (let i = 0; i < PAIRS; i++) {
        const headers = { 'Idempotency-Key': `export-${i}` };
        const bodies = i % 2 === 0 ? newsletters : [newsletters[0], newsletters[0]];
        const answers = await Promise.all(
          bodies.map((newsletterId) => client.post('/v1/exports', { newsletterId }, headers)),
        );
        const statuses = answers.map((a) => a.status).sort();
        assert.deepEqual(statuses, i % 2 === 0 ? [202, 422] : [200, 202], `pair ${i}: ${answers.map((a) => a.text)}`);
        if (i % 2 === 1) assert.equal(answers[0]!.body.taskId, answers[1]!.body.taskId, 'the same task for both');
      }
      assert.equal(await workflows('export', PAIRS), PAIRS, 'exactly one workflow per key');
    });

    it('imports: the refused upload is removed and never imported', async () => {
      for (let i = 0; i < PAIRS / 2; i++) {
        const headers = { 'Idempotency-Key': `import-${i}`, 'Content-Type': 'text/csv' };
        const answers = await Promise.all(
          ['first', 'second'].map((who) =>
            client.call('POST', '/v1/contacts/import', `${who}-${i}@racer.test,A,B\n`, headers),
          ),
        );
        assert.deepEqual(answers.map((a) => a.status).sort(), [202, 422], answers.map((a) => a.text).join(' | '));
      }
      assert.equal(await workflows('import', PAIRS / 2), PAIRS / 2, 'exactly one workflow per key');
      const kept = fs.readdirSync(path.join(sys.settings.dataDir, 'imports', tenant));
      assert.equal(kept.length, PAIRS / 2, `only the started imports' files are kept: ${kept.join(', ')}`);
    });
  });
}
