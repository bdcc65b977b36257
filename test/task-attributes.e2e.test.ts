import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { TaskKindKey, TenantIdKey, UserIdKey } from '../src/shared/contracts';
import { createAudience } from './support/contacts';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';
import { waitUntil, withDeadline } from './support/wait';

/**
 * What operators see of a task in Temporal (Web UI, `temporal workflow list --query`): every task
 * started through the API carries its tenant, its user and its kind as search attributes, and a summary
 * that says what it does and for whom. Checked on the workflow itself (describe), and by finding it with
 * a visibility query on those attributes, for an export, a send and an import.
 *
 * SQLite only: the attributes are set when Temporal starts the workflow, whatever the database. The tenant
 * is new for each run, so the send's workflow id (`send-<tenant>-<newsletter>`) meets no earlier run's.
 */
describe('search attributes and summary of tasks started through the API', () => {
  const smtp = new SmtpSink();
  const tenant = `attrs-${crypto.randomBytes(4).toString('hex')}`;
  const email = `alice@${tenant}.test`;
  let sys: TestSystem;
  let alice: ReturnType<typeof apiClient>;
  let userId: string;
  let newsletter: { id: number; subject: string };
  let other: { id: number };

  before(async () => {
    await smtp.start();
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url });
    await createAudience(sys.db.database.db, tenant, { subscribed: 3 });
    newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: tenant,
      subject: 'Attributes weekly',
      html: '<p>Hi</p>',
    });
    other = await createNewsletter(sys.db.database.db, { tenantId: tenant, subject: 'To send', html: '<p>Hi</p>' });
    const user = await sys.user(tenant, email);
    userId = user.userId;
    alice = apiClient(sys.url, user.apiKey);
  });
  after(async () => {
    // Nothing of this test keeps running on the shared dev server once its worker is gone: each task is
    // given a while to finish, then stopped.
    for (const taskId of started) {
      const handle = sys.temporal.workflow.getHandle(taskId);
      await withDeadline(`task ${taskId} to close`, handle.result(), 60_000).catch(() =>
        handle.terminate('end of test').catch(() => undefined),
      );
    }
    await sys?.stop();
    await smtp.stop();
  });

  const started: string[] = [];
  /** The workflow behind a task: its search attributes and summary, as set when it started. */
  const describeTask = async (taskId: string) => {
    started.push(taskId);
    const description = await sys.temporal.workflow.getHandle(taskId).describe();
    return {
      attributes: {
        TenantId: description.typedSearchAttributes.get(TenantIdKey),
        UserId: description.typedSearchAttributes.get(UserIdKey),
        TaskKind: description.typedSearchAttributes.get(TaskKindKey),
      },
      summary: await description.staticSummary(),
    };
  };
  /** The task ids Temporal finds with a visibility query on the three attributes. */
  const findByAttributes = async (kind: string, expected: string) =>
    waitUntil(`Temporal to index ${expected} by TenantId, UserId and TaskKind`, async () => {
      const found: string[] = [];
      const query = `TenantId = '${tenant}' AND UserId = '${userId}' AND TaskKind = '${kind}'`;
      for await (const workflow of sys.temporal.workflow.list({ query })) found.push(workflow.workflowId);
      return found.includes(expected) && found;
    });

  it('an export: TenantId, UserId, TaskKind=export, and a summary naming the newsletter and the user', async () => {
    const started = await alice.post('/v1/exports', { newsletterId: newsletter.id });
    assert.equal(started.status, 202, started.text);
    const { attributes, summary } = await describeTask(started.body.taskId);
    assert.deepEqual(attributes, { TenantId: tenant, UserId: userId, TaskKind: 'export' });
    assert.ok(summary, 'the export has a static summary');
    assert.ok(summary.includes(newsletter.subject), summary);
    assert.ok(summary.includes(String(newsletter.id)), summary);
    assert.ok(summary.includes(email), summary);
    assert.deepEqual(await findByAttributes('export', started.body.taskId), [started.body.taskId]);
  });

  it('a send: TenantId, UserId, TaskKind=send, and a summary naming the newsletter and the user', async () => {
    const started = await alice.post(`/v1/newsletters/${other.id}/send`);
    assert.equal(started.status, 202, started.text);
    const { attributes, summary } = await describeTask(started.body.taskId);
    assert.deepEqual(attributes, { TenantId: tenant, UserId: userId, TaskKind: 'send' });
    assert.ok(summary, 'the send has a static summary');
    assert.ok(summary.includes(String(other.id)), summary);
    assert.ok(summary.includes(email), summary);
    assert.deepEqual(await findByAttributes('send', started.body.taskId), [started.body.taskId]);
  });

  it('an import: TenantId, UserId, TaskKind=import, and a summary naming the file size and the user', async () => {
    const csv = 'email,first name\nnew@example.com,New\n';
    const started = await alice.call('POST', '/v1/contacts/import', csv, { 'Content-Type': 'text/csv' });
    assert.equal(started.status, 202, started.text);
    const { attributes, summary } = await describeTask(started.body.taskId);
    assert.deepEqual(attributes, { TenantId: tenant, UserId: userId, TaskKind: 'import' });
    assert.ok(summary, 'the import has a static summary');
    assert.ok(summary.includes(`${Buffer.byteLength(csv)}-byte`), summary);
    assert.ok(summary.includes(email), summary);
    assert.deepEqual(await findByAttributes('import', started.body.taskId), [started.body.taskId]);
  });
});
