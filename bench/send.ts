/**
 * bench/send: the send workflow against a raw pooled nodemailer loop (same SMTP sink, same connection
 * count), and the measured rate against MAILROOM_EMAIL_RATE. Prints figures; asserts nothing.
 *
 *   npm run bench:send -- [--recipients 20000] [--pool 5] [--rate 100] [--rate-seconds 60] [--worker-cpu-prof DIR]
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNewsletter } from '../src/db/queries/newsletters';
import { findTemporalCli } from '../src/temporal/cli-binary';
import { startDevServerOnFreePort } from '../src/temporal/dev-server';
import { sendNewsletter } from '../src/workflows';
import { createAudience } from '../test/support/contacts';
import { apiClient } from '../test/support/http';
import { startTestSystem } from '../test/support/system';
import { startWorkerProcess } from '../test/support/worker-process';
import { cpuSeconds } from './support/process-usage';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '20000' },
    pool: { type: 'string', default: '5' },
    rate: { type: 'string', default: '100' },
    'rate-seconds': { type: 'string', default: '60' },
    /** Writes each worker's CPU profile (node --cpu-prof) into this directory. */
    'worker-cpu-prof': { type: 'string' },
  },
});
const N = Number(values.recipients);
/** A preload that profiles the worker (node refuses --cpu-prof in NODE_OPTIONS). */
const PROFILER = path.join(__dirname, 'support', 'cpu-profile-at-exit.mjs');
const POOL = Number(values.pool);
const RATE = Number(values.rate);
const RATE_SECONDS = Number(values['rate-seconds']);

interface Arrivals {
  count: number;
  first: number;
  last: number;
  longestGapMs: number;
}

function startSink(): Promise<{ child: ChildProcess; port: number; arrivals(run: string): Promise<Arrivals> }> {
  const child = fork(path.join(__dirname, 'support', 'counting-smtp-sink.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.once('message', (message: { port: number }) =>
      resolve({
        child,
        port: message.port,
        arrivals: (run) =>
          new Promise((done) => {
            child.once('message', (reply: Arrivals) => done(reply));
            child.send({ run });
          }),
      }),
    );
  });
}

async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-send-'));
  const cli = findTemporalCli((line) => console.log(line));
  if (!cli) throw new Error('no temporal CLI');
  const server = await startDevServerOnFreePort({
    cliPath: cli,
    dbFile: path.join(work, 'temporal.sqlite'),
    logFile: path.join(work, 'temporal.log'),
  });
  const sink = await startSink();
  const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
  process.env.TEMPORAL_ADDRESS = server.address;
  try {
    console.log(`bench/send: ${N} recipients, ${POOL} pooled SMTP connections, one SMTP sink process`);

    // 1. Baseline: the raw pooled loop in its own process.
    const raw = JSON.parse(
      execFileSync(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'support', 'raw-send.ts'), smtpUrl, String(N), String(POOL), 'Raw'],
        { encoding: 'utf8' },
      ),
    ) as { ms: number; cpuMs: number };
    const rawRate = (N * 1000) / raw.ms;

    // 2. The workflow: API in this process, one worker process, no rate limit to speak of.
    const unlimited = await runSend(
      'Workflow',
      N,
      { MAILROOM_EMAIL_RATE: '100000', MAILROOM_SMTP_POOL: String(POOL) },
      smtpUrl,
      sink,
    );
    const workflowRate = (N * 1000) / unlimited.ms;

    // 3. The rate limit: two worker processes sharing it, for RATE_SECONDS.
    const limitedCount = Math.round(RATE * RATE_SECONDS);
    const limited = await runSend(
      'Rate',
      limitedCount,
      { MAILROOM_EMAIL_RATE: String(RATE), MAILROOM_SMTP_POOL: String(POOL) },
      smtpUrl,
      sink,
      2,
    );
    const measuredRate = ((limited.arrivals.count - 1) * 1000) / (limited.arrivals.last - limited.arrivals.first);

    const rows = [
      [
        'raw pooled nodemailer loop',
        `${N}`,
        `${(raw.ms / 1000).toFixed(2)} s`,
        `${rawRate.toFixed(0)}/s`,
        `baseline; its CPU ${(raw.cpuMs / N).toFixed(2)} ms/email`,
      ],
      [
        'sendNewsletter workflow (POST → last email)',
        `${N}`,
        `${(unlimited.ms / 1000).toFixed(2)} s`,
        `${workflowRate.toFixed(0)}/s`,
        `${((workflowRate / rawRate) * 100).toFixed(0)}% of raw (target ≥ 70%); worker CPU ${(unlimited.workerCpuMs / N).toFixed(2)} ms/email; first email after ${(unlimited.firstEmailMs / 1000).toFixed(2)} s, then ${(((N - 1) * 1000) / (unlimited.arrivals.last - unlimited.arrivals.first)).toFixed(0)}/s`,
      ],
      [
        `rate limit ${RATE}/s, 2 workers`,
        `${limited.arrivals.count}`,
        `${((limited.arrivals.last - limited.arrivals.first) / 1000).toFixed(1)} s`,
        `${measuredRate.toFixed(2)}/s`,
        `${((measuredRate / RATE - 1) * 100).toFixed(1)}% off the setting (target ±5%); longest gap ${limited.arrivals.longestGapMs} ms`,
      ],
    ];
    console.log('\n| run | emails | time | rate | ratio |\n| --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(
      `\nthroughput: ${workflowRate / rawRate >= 0.7 ? 'met' : 'NOT met'}; rate limit: ${Math.abs(measuredRate / RATE - 1) <= 0.05 ? 'met' : 'NOT met'}`,
    );
  } finally {
    sink.child.kill();
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Seeds `count` contacts, starts the send through the API, waits for the last email at the sink. */
async function runSend(
  run: string,
  count: number,
  env: Record<string, string>,
  smtpUrl: string,
  sink: Awaited<ReturnType<typeof startSink>>,
  workers = 1,
) {
  const sys = await startTestSystem({ dialect: 'sqlite', smtpUrl, worker: false, env });
  const profile = values['worker-cpu-prof'];
  const processes = Array.from({ length: workers }, () =>
    startWorkerProcess(
      sys.settings,
      profile ? { NODE_OPTIONS: `--import ${PROFILER}`, PROFILE_DIR: path.resolve(profile) } : {},
    ),
  );
  try {
    await createAudience(sys.db.database.db, 'bench', { subscribed: count });
    const owner = await sys.user('bench', 'owner@bench.test');
    const client = apiClient(sys.url, owner.apiKey);
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: 'bench',
      subject: `${run} bench for {{first_name}}`,
      html: '<p>Hello {{first_name}} {{last_name}}</p>',
      text: 'Hello {{first_name}} {{last_name}}',
    });
    // Workers bundle their workflows at start: wait until one answers before the clock starts.
    await sys.temporal.workflow
      .start(sendNewsletter, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `warm-${run}`,
        args: [{ tenantId: 'bench', userId: owner.userId, newsletterId: -1, batchSize: 1, concurrency: 1 }],
      })
      .then((h) => h.result().catch(() => undefined));
    // CPU time, less at the mercy of other load than wall time: what a change costs per message.
    const cpuBefore = processes.map((worker) => cpuSeconds(worker.child.pid));
    const started = Date.now();
    const response = await client.post(`/v1/newsletters/${newsletter.id}/send`);
    if (response.status !== 202) throw new Error(`send answered ${response.status}: ${response.text}`);
    await until(async () => (await sink.arrivals(run)).count >= count, 30 * 60_000);
    const ms = Date.now() - started;
    const workerCpuMs = processes.reduce(
      (sum, worker, i) => sum + (cpuSeconds(worker.child.pid) - cpuBefore[i]!) * 1000,
      0,
    );
    await client.waitForTask(response.body.taskId, 120_000);
    const arrivals = await sink.arrivals(run);
    return { ms, workerCpuMs, arrivals, firstEmailMs: arrivals.first - started };
  } finally {
    for (const worker of processes) await worker.kill('SIGTERM');
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
