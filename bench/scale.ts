/**
 * `npm run bench:scale`: scale-out on the production topology (Temporal server on PostgreSQL, compiled api
 * and workers, test/topology/topology.ts). With 1, 2 and 4 worker processes: one send to 20,000 recipients
 * with the rate unlimited, then 20 concurrent exports of 100,000 rows. Prints throughput and the ratio to
 * one worker. Figures only; needs `npm run build` first (the script does it when dist/ is missing).
 *
 *   npm run bench:scale -- --workers 1,2,4 --recipients 20000 --exports 20 --rows 100000
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectDatabase } from '../src/db/connect';
import { createNewsletter } from '../src/db/queries/newsletters';
import { issueApiKey } from '../src/db/queries/users';
import { freePort } from '../src/temporal/dev-server';
import { createAudience } from '../test/support/contacts';
import { apiClient } from '../test/support/http';
import { SmtpSink } from '../test/support/smtp-sink';
import { seedBulkNewsletter } from '../test/topology/bulk-seed';
import { startMailroom, type Proc } from '../test/topology/processes';
import { compiled, startTopology } from '../test/topology/topology';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    recipients: { type: 'string', default: '20000' },
    exports: { type: 'string', default: '20' },
    rows: { type: 'string', default: '100000' },
  },
});
const WORKERS = values.workers.split(',').map(Number);
const RECIPIENTS = Number(values.recipients);
const EXPORTS = Number(values.exports);
const ROWS = Number(values.rows);

const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

async function waitAll(client: ReturnType<typeof apiClient>, taskIds: string[]) {
  for (const id of taskIds) {
    const task = await client.waitForTask(id, 1_800_000);
    if (task.status !== 'COMPLETED') throw new Error(`${id} ended ${task.status}: ${JSON.stringify(task)}`);
  }
}

async function main() {
  const root = path.resolve(__dirname, '..');
  if (compiled() && !fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-scale-'));
  const smtp = await new SmtpSink().start();
  console.log(`scale: starting the topology in ${dir} (load ${load()})`);
  const topo = await startTopology(dir, {
    smtpUrl: smtp.url,
    env: { MAILROOM_EMAIL_RATE: '100000', MAILROOM_LIMIT_EXPORTS: '1000', MAILROOM_LIMIT_SENDS: '100' },
  });
  const database = connectDatabase(topo.env.DATABASE_URL!);
  // Two tenants: the send's audience is exactly RECIPIENTS contacts.
  const bulk = await seedBulkNewsletter(database.db, 'scale-exports', ROWS);
  await createAudience(database.db, 'scale', { subscribed: RECIPIENTS });
  const { apiKey } = await issueApiKey(database.db, 'scale', 'owner@scale.test');
  const exporterKey = (await issueApiKey(database.db, 'scale-exports', 'owner@scale-exports.test')).apiKey;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = startMailroom(
    'api',
    { ...topo.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_BASE_URL: url },
    { compiled: compiled() },
  );
  const client = apiClient(url, apiKey);
  const exporter = apiClient(url, exporterKey);
  for (let i = 0; ; i++) {
    if (
      (await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      break;
    if (i > 600) throw new Error(`the API did not get ready:\n${api.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // Ctrl-C still stops what the bench started (the finally below).
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true));
  const results: Array<{ workers: number; sendPerS: number; rowsPerS: number; load: string }> = [];
  try {
    for (const n of WORKERS) {
      if (interrupted) break;
      const workers: Proc[] = [];
      for (let i = 0; i < n; i++) {
        const healthPort = await freePort();
        workers.push(
          startMailroom(
            'worker',
            { ...topo.env, MAILROOM_WORKER_HEALTH_PORT: String(healthPort) },
            { compiled: compiled() },
          ),
        );
        for (let t = 0; ; t++) {
          if (
            (await fetch(`http://127.0.0.1:${healthPort}/healthz`).then(
              (r) => r.status,
              () => 0,
            )) === 200
          )
            break;
          if (t > 600) throw new Error(`worker did not start:\n${workers.at(-1)!.output()}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      const newsletter = await createNewsletter(database.db, {
        tenantId: 'scale',
        subject: `Scale ${n}`,
        html: '<p>Hi {{first_name}}</p>',
      });
      let started = Date.now();
      const send = await client.post(`/v1/newsletters/${newsletter.id}/send`);
      if (send.status !== 202) throw new Error(send.text);
      await waitAll(client, [send.body.taskId]);
      const sendSeconds = (Date.now() - started) / 1000;

      started = Date.now();
      const tasks = await Promise.all(
        Array.from({ length: EXPORTS }, () => exporter.post('/v1/exports', { newsletterId: bulk })),
      );
      for (const t of tasks) if (t.status !== 202) throw new Error(t.text);
      await waitAll(
        exporter,
        tasks.map((t) => t.body.taskId),
      );
      const exportSeconds = (Date.now() - started) / 1000;
      const result = {
        workers: n,
        sendPerS: RECIPIENTS / sendSeconds,
        rowsPerS: (EXPORTS * ROWS) / exportSeconds,
        load: load(),
      };
      results.push(result);
      console.log(
        `scale: ${n} worker(s): send ${sendSeconds.toFixed(1)} s (${result.sendPerS.toFixed(0)} emails/s), ` +
          `${EXPORTS} exports ${exportSeconds.toFixed(1)} s (${result.rowsPerS.toFixed(0)} rows/s), load ${result.load}`,
      );
      for (const w of workers) await w.stop('SIGTERM');
    }
  } finally {
    await api.stop('SIGTERM');
    await database.close();
    await topo.close();
    await smtp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const base = results[0]!;
  console.log(
    `\n| workers | send ${RECIPIENTS} (emails/s) | ratio | ${EXPORTS} × ${ROWS} exports (rows/s) | ratio | load avg (1 5 15 min) |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.workers} | ${r.sendPerS.toFixed(0)} | ${(r.sendPerS / base.sendPerS).toFixed(2)}× | ` +
        `${r.rowsPerS.toFixed(0)} | ${(r.rowsPerS / base.rowsPerS).toFixed(2)}× | ${r.load} |`,
    );
  }
  console.log(
    `\n${os.cpus().length} CPUs: the workers share them with PostgreSQL, Temporal, the API and the SMTP sink.`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
