/**
 * Chaos on the production topology (`npm run test:topology`, which .ci/run runs): a send to 20,000
 * recipients and 500,000-row exports on the Temporal server with PostgreSQL, a compiled API and workers
 * (one `mailroom worker`, two `mailroom worker --bulk`, which run the large send and exports), while, in
 * turn, one bulk worker is stopped gracefully (SIGTERM), another is SIGKILLed (a new one replaces each),
 * the Temporal server restarts, PostgreSQL restarts, and the SMTP server is down for 30 s.
 * Sizes: CHAOS_RECIPIENTS, CHAOS_EXPORT_ROWS, CHAOS_RATE (emails/s), CHAOS_SMTP_OUTAGE_MS.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDatabase } from '../../src/db/connect';
import { createNewsletter } from '../../src/db/queries/newsletters';
import { issueApiKey } from '../../src/db/queries/users';
import type { Database } from '../../src/db/schema';
import { freePort } from '../../src/temporal/dev-server';
import { createAudience } from '../support/contacts';
import { apiClient } from '../support/http';
import { assertOneMessagePerRecipient, copiesAtServer, pollUntil } from '../support/send-checks';
import { SmtpSink } from '../support/smtp-sink';
import { seedBulkNewsletter } from './bulk-seed';
import { startMailroom, type Proc } from './processes';
import { compiled, startTopology, type Topology } from './topology';

const RECIPIENTS = Number(process.env.CHAOS_RECIPIENTS ?? 20_000);
const EXPORT_ROWS = Number(process.env.CHAOS_EXPORT_ROWS ?? 500_000);
const RATE = Number(process.env.CHAOS_RATE ?? 250);
const SMTP_OUTAGE_MS = Number(process.env.CHAOS_SMTP_OUTAGE_MS ?? 30_000);
const SUBJECT = 'Chaos send';

const started = Date.now();
const say = (line: string) => console.log(`chaos +${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);

interface Probe {
  at: number;
  path: string;
  status: number;
}

describe('the production topology under chaos', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-topology-'));
  const smtp = new SmtpSink({ acceptDelayMs: 2 });
  let topo: Topology;
  let database: Database;
  let api: Proc;
  const workers: Proc[] = [];
  /** Workers the test stopped; any other that exits crashed (a stall, if it was the last one). */
  const stoppedByTest = new Set<Proc>();
  const assertNoWorkerCrashed = () => {
    const crashed = workers.find((w) => !w.running() && !stoppedByTest.has(w));
    if (crashed) assert.fail(`${crashed.name} exited by itself:\n${crashed.output().slice(-4_000)}`);
  };
  const probes: Probe[] = [];
  let probing = true;
  let apiUrl = '';
  let headline = 0;

  const lanes = new Map<Proc, 'interactive' | 'bulk'>();
  /** Both lanes, as compose runs them: the send and the exports are large, so they run in `--bulk` workers. */
  const startWorker = (lane: 'interactive' | 'bulk') => {
    const name = `${lane === 'bulk' ? 'bulk-worker' : 'worker'}-${workers.length + 1}`;
    const worker = startMailroom('worker', topo.env, {
      compiled: compiled(),
      name,
      logFile: path.join(dir, 'logs', `${name}.log`),
      args: lane === 'bulk' ? ['--bulk'] : [],
    });
    workers.push(worker);
    lanes.set(worker, lane);
    return worker;
  };

  before(async () => {
    await smtp.start();
    topo = await startTopology(dir, {
      smtpUrl: smtp.url,
      env: { MAILROOM_EMAIL_RATE: String(RATE), MAILROOM_SMTP_POOL: '5', MAILROOM_BULK_WORKERS: 'separate' },
      // While the Temporal server is set up and starts: the two tenants' data side by side.
      async onDatabaseReady(env) {
        database = connectDatabase(env.DATABASE_URL!);
        [headline] = await Promise.all([
          seedBulkNewsletter(database.db, 'bulk', EXPORT_ROWS),
          createAudience(database.db, 'chaos', { subscribed: RECIPIENTS }),
        ]);
        say(`seeded ${EXPORT_ROWS} export rows and ${RECIPIENTS} recipients`);
      },
    });
    say(`topology up: Temporal ${topo.temporalAddress} on PostgreSQL, logs in ${dir}/logs`);
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    api = startMailroom(
      'api',
      { ...topo.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_BASE_URL: apiUrl },
      { compiled: compiled(), logFile: path.join(dir, 'logs', 'api.log') },
    );
    startWorker('interactive');
    startWorker('bulk');
    startWorker('bulk');
    await pollUntil(
      'the API to be ready',
      () =>
        fetch(`${apiUrl}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      120_000,
      250,
    );
  });

  after(async () => {
    probing = false;
    for (const worker of workers) await worker.stop('SIGKILL');
    await api?.stop('SIGKILL');
    await database?.close().catch(() => undefined);
    await topo?.close();
    await smtp.stop();
    if (process.env.MAILROOM_KEEP_TOPOLOGY !== '1') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every promise through worker stops and kills, Temporal and PostgreSQL restarts, an SMTP outage', async () => {
    const owner = await issueApiKey(database.db, 'chaos', 'owner@chaos.test');
    const exporter = await issueApiKey(database.db, 'bulk', 'exporter@bulk.test');
    const sender = apiClient(apiUrl, owner.apiKey);
    const client = apiClient(apiUrl, exporter.apiKey);

    // The reference: the same export with no fault anywhere (the send starts beside it; no fault before it ends).
    const reference = await client.post('/v1/exports', { newsletterId: headline });
    assert.equal(reference.status, 202, reference.text);
    const referenceDone = client.waitForTask(reference.body.taskId, 180_000);
    referenceDone.catch(() => undefined); // awaited before the first fault

    const newsletter = await createNewsletter(database.db, {
      tenantId: 'chaos',
      subject: SUBJECT,
      html: '<p>Hi {{first_name}}</p>',
    });
    const sendStart = await sender.post(`/v1/newsletters/${newsletter.id}/send`);
    assert.equal(sendStart.status, 202, sendStart.text);
    const sendTaskId: string = sendStart.body.taskId;
    const referenceTask = await referenceDone;
    assert.equal(referenceTask.status, 'COMPLETED', JSON.stringify(referenceTask));
    assert.equal(referenceTask.result.rows, EXPORT_ROWS);
    say(`reference export: ${referenceTask.result.bytes} bytes, sha256 ${referenceTask.result.sha256}`);

    // Watches the API all along, as a load balancer and a user would.
    const probe = (async () => {
      while (probing) {
        const at = Date.now();
        for (const [url, headers] of [
          [`${apiUrl}/readyz`, {}],
          [`${apiUrl}/v1/tasks/${sendTaskId}`, { Authorization: `Bearer ${owner.apiKey}` }],
        ] as const) {
          const status = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.arrayBuffer().then(() => r.status),
            () => 0,
          );
          probes.push({ at, path: new URL(url).pathname, status });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const readyz = (from: number) => probes.filter((p) => p.path === '/readyz' && p.at >= from);
    const until503 = (from: number) =>
      pollUntil('/readyz to answer 503', () => readyz(from).some((p) => p.status === 503), 60_000, 50);
    const until200 = (from: number) =>
      pollUntil('/readyz to answer 200 again', () => readyz(from).some((p) => p.status === 200), 180_000, 100);

    const newsletterMail = () => smtp.received.filter((e) => e.mail.subject === SUBJECT);
    const exportTasks: string[] = [];
    const faults: Array<{ name: string; sentBefore: number; duplicatesBefore: number }> = [];
    /** At a share of the send, with a fresh export in flight, breaks something. */
    const fault = async (name: string, share: number, breakIt: () => Promise<void>) => {
      await pollUntil(
        `${Math.round(share * 100)}% of the send`,
        () => {
          assertNoWorkerCrashed();
          return newsletterMail().length >= share * RECIPIENTS;
        },
        300_000,
        50,
      );
      const exportStart = await client.post('/v1/exports', { newsletterId: headline });
      assert.equal(exportStart.status, 202, exportStart.text);
      exportTasks.push(exportStart.body.taskId);
      await pollUntil(
        'the export to be writing',
        async () => {
          const task = await client.get(`/v1/tasks/${exportStart.body.taskId}`);
          return task.body.status !== 'RUNNING' || (task.body.progress?.done ?? 0) > 0;
        },
        60_000,
        50,
      );
      const sentBefore = newsletterMail().length;
      assert.ok(sentBefore < RECIPIENTS, `${name}: the send is still under way (lower CHAOS_RATE if not)`);
      const { duplicates } = copiesAtServer(newsletterMail());
      faults.push({ name, sentBefore, duplicatesBefore: duplicates });
      say(`${name} (${sentBefore} sent, ${duplicates} duplicates so far)`);
      const at = Date.now();
      await breakIt();
      say(`${name}: done in ${((Date.now() - at) / 1000).toFixed(1)} s`);
    };
    // The bulk workers, which run the send and the exports.
    const runningWorkers = () => workers.filter((w) => w.running() && lanes.get(w) === 'bulk');

    await fault('SIGTERM a worker', 0.05, async () => {
      const stopping = runningWorkers()[0]!;
      stoppedByTest.add(stopping);
      startWorker('bulk');
      assert.equal(await stopping.stop('SIGTERM'), 0, `a graceful stop exits 0:\n${stopping.output()}`);
    });
    await fault('SIGKILL a worker', 0.2, async () => {
      const [killed] = runningWorkers();
      stoppedByTest.add(killed!);
      assert.equal(await killed!.stop('SIGKILL'), 'SIGKILL');
      startWorker('bulk');
    });
    await fault('restart the Temporal server', 0.35, async () => {
      const from = Date.now();
      await topo.temporal.stop();
      await until503(from);
      await topo.temporal.start();
      await until200(Date.now());
    });
    await fault('restart PostgreSQL', 0.5, async () => {
      // `pg_ctl restart -m fast` in two steps, so the probe can see the outage between them.
      const from = Date.now();
      topo.postgres.stop();
      await until503(from);
      topo.postgres.start();
      await until200(Date.now());
    });
    await fault(`stop the SMTP server for ${SMTP_OUTAGE_MS / 1000} s`, 0.65, async () => {
      await smtp.stop();
      await new Promise((resolve) => setTimeout(resolve, SMTP_OUTAGE_MS));
      await smtp.start();
    });

    const send = await pollUntil(
      'the send to finish',
      async () => {
        assertNoWorkerCrashed();
        const task = await sender.get(`/v1/tasks/${sendTaskId}`);
        return task.status === 200 && task.body.status !== 'RUNNING' && task.body;
      },
      600_000,
      200,
    );
    say(`send ${send.status}: ${JSON.stringify(send.result)}`);
    const exports = [];
    for (const taskId of exportTasks) exports.push(await client.waitForTask(taskId, 300_000));
    probing = false;
    await probe;
    assertNoWorkerCrashed();

    // The send: everyone once, under one Message-ID; duplicates only where a crash or an outage left a
    // message's fate unknown, each counted as a resend; none from the graceful stop.
    assert.equal(send.status, 'COMPLETED', JSON.stringify(send));
    const { subscribed } = { subscribed: Array.from({ length: RECIPIENTS }, (_, i) => `person${i + 1}@chaos.test`) };
    const { duplicates } = await assertOneMessagePerRecipient(database.db, newsletter.id, newsletterMail(), subscribed);
    say(`duplicates at the SMTP server ${duplicates}, counted resends ${send.result.resent}`);
    assert.equal(send.result.sent, RECIPIENTS);
    assert.ok(duplicates <= send.result.resent, `${duplicates} duplicates, ${send.result.resent} counted resends`);
    assert.equal(faults[1]!.duplicatesBefore, 0, 'no duplicate from the graceful stop');

    // Every export byte-identical to the reference; one email and one notification per task.
    for (const task of exports) {
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task));
      assert.equal(task.result.sha256, referenceTask.result.sha256, `${task.taskId} equals the fault-free export`);
      assert.equal(task.result.bytes, referenceTask.result.bytes);
    }
    const download = await fetch(exports.at(-1).result.downloadUrl);
    assert.equal(download.status, 200);
    const file = Buffer.from(await download.arrayBuffer());
    assert.equal(file.length, referenceTask.result.bytes);
    const notes = (await client.get('/v1/notifications')).body.items as Array<{ taskId: string }>;
    for (const taskId of [reference.body.taskId, ...exportTasks]) {
      const copies = smtp.received.filter((e) => e.mail.messageId?.includes(taskId)).length;
      assert.equal(copies, 1, `one "ready" email for ${taskId}`);
      assert.equal(notes.filter((n) => n.taskId === taskId).length, 1, `one notification for ${taskId}`);
    }
    const ownerNotes = (await sender.get('/v1/notifications')).body.items as Array<{ taskId: string }>;
    assert.equal(ownerNotes.filter((n) => n.taskId === sendTaskId).length, 1, 'one notification for the send');
    const summaries = smtp.received.filter((e) => e.envelopeTo.includes('owner@chaos.test'));
    assert.equal(summaries.length, 1, 'one summary email for the send');

    // The API: 503 while Temporal or PostgreSQL was away, 200 after, and no other 5xx at any time.
    const bad = probes.filter((p) => p.status >= 500 && p.status !== 503);
    assert.deepEqual(bad, [], 'no 5xx but 503');
    const unreachable = probes.filter((p) => p.status === 0);
    assert.deepEqual(unreachable, [], 'the API answered every probe');
    assert.equal(readyz(0).at(-1)?.status, 200, '/readyz answers 200 at the end');
    say(
      `probes: ${probes.length}, 503s: ${probes.filter((p) => p.status === 503).length}; workers started: ${workers.length}`,
    );
  });
});
