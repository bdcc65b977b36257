import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { issueApiKey } from '../../src/db/queries/users';
import { DEMO_TENANT } from '../../src/db/seed';
import { freePort } from '../../test/support/ports';
import type { BenchDatabase } from './bench-databases';
import { cpuSeconds } from './process-usage';
import { readRss, resetPeakRss, sampleRss, startProcess, waitForHttp, type Started } from './processes';

const ROOT = path.resolve(__dirname, '..', '..');
/** How the worker and API run: the compiled build production ships, or the sources through tsx (a clone's bin/mailroom.js). */
export type Runner = 'compiled' | 'tsx';
const ENTRY: Record<Runner, string> = {
  compiled: path.join(ROOT, 'dist', 'cli', 'main.js'),
  tsx: path.join(ROOT, 'bin', 'mailroom.js'),
};

/** Settings the processes under test must not inherit from whoever runs the bench. */
const INHERITED_SETTINGS = [
  'SMTP_URL',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'PUBLIC_BASE_URL',
  'NODE_ENV',
  'LINK_TTL',
  'MAILROOM_TASK_QUEUE',
];

export interface WholePathRun {
  /** From sending POST /v1/exports until the email's `.eml` file is in the outbox. */
  ms: number;
  /** Until the API answered 202. */
  postMs: number;
  /** Sum of the writeStatsCsvChunk activities' started → completed times, from the workflow history. */
  inWorkerActivityMs: number;
  /** The same, for every activity type of the workflow. */
  activityMsByType: Record<string, number>;
  /** The worker process's CPU time (all its threads) from the POST to the email: against the activity alone's. */
  workerCpuMs: number;
  /** Sum of the activities' waits in their task queue (scheduled → started). */
  queuedMs: number;
  chunks: number;
  rows: number;
  /** Worker RSS just before the POST, after the warm-up export and a minute idle (settle): the worker at rest. */
  workerIdleRssMb: number;
  /** Worker RSS 1 s after the warm-up export's email, before it settled (what `resting` meant until then). */
  workerAfterWarmUpRssMb: number;
  /** When, in that minute, the worker last gave memory back (ms after it began); undefined if it never did. */
  settledAfterMs: number | undefined;
  /** Worker RSS once it answered its health check, before any export. */
  workerStartedRssMb: number;
  /** The sha256 the export task reported. */
  sha256: string;
  runner: Runner;
  /** Worker peak RSS between the POST and the email (VmHWM reset before the POST; else sampled). */
  workerPeakRssMb: number;
  peakMeasuredBy: 'VmHWM' | 'sampling';
  /** Worker VmHWM before the reset: its start-up (when the workflow bundle is built) and the warm-up export. */
  workerStartupPeakMb: number;
  /** The warm-up: the first export this worker ran (the small newsletter), POST → email. */
  warmUpMs: number;
}

/**
 * Starts `mailroom worker` and `mailroom api` as the user would (own processes, own data dir, outbox
 * email since no SMTP_URL), asks for the export through HTTP and times it until the email file appears.
 */
export async function runWholePath(
  db: BenchDatabase,
  temporalAddress: string,
  temporal: Client,
  workDir: string,
  runner: Runner = 'compiled',
  /** The worker's own environment on top (bench/export.ts: the systemd unit's MALLOC_ARENA_MAX, NODE_OPTIONS). */
  workerEnv: NodeJS.ProcessEnv = {},
): Promise<WholePathRun> {
  const dataDir = fs.mkdtempSync(path.join(workDir, `path-${db.dialect}-`));
  const port = await freePort();
  const healthPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS) delete env[name];
  Object.assign(env, {
    TEMPORAL_ADDRESS: temporalAddress,
    MAILROOM_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    MAILROOM_TASK_QUEUE: `bench-${crypto.randomBytes(5).toString('hex')}`,
    LINK_SECRET: crypto.randomBytes(32).toString('hex'),
    PORT: String(port),
    MAILROOM_WORKER_HEALTH_PORT: String(healthPort),
    LOG_LEVEL: 'warn',
  });
  const workerLog = path.join(workDir, `worker-${db.dialect}-${path.basename(dataDir)}.log`);
  const apiLog = path.join(workDir, `api-${db.dialect}-${path.basename(dataDir)}.log`);
  if (!fs.existsSync(ENTRY[runner])) throw new Error(`${ENTRY[runner]} is missing: run npm run build`);
  const worker = startProcess(process.execPath, [ENTRY[runner], 'worker'], { ...env, ...workerEnv }, workerLog);
  const api = startProcess(process.execPath, [ENTRY[runner], 'api'], env, apiLog);
  try {
    await waitForHttp(`http://127.0.0.1:${healthPort}/healthz`, worker, workerLog);
    const workerStartedRssMb = readRss(worker.child.pid!).rssMb;
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, api, apiLog);
    const { apiKey } = await issueApiKey(db.database.db, DEMO_TENANT, 'bench@demo.test');
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
    const outbox = path.join(dataDir, 'outbox');
    const exportOnce = (newsletterId: number) =>
      exportUntilEmail(`http://127.0.0.1:${port}`, headers, newsletterId, outbox, worker, workerLog);
    // A running worker has already run workflows: the first one pays for creating the workflow sandbox
    // and for JIT warm-up. Warm it with the small newsletter, so the measured export is the steady state.
    const warmUp = await exportOnce(db.smallNewsletterId);
    const pid = worker.child.pid!;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const workerAfterWarmUpRssMb = readRss(pid).rssMb;
    const settledAfterMs = await settle(pid);

    const before = readRss(pid);
    const hwmReset = resetPeakRss(pid);
    // Sampling competes for the CPU with what it measures: only when the kernel's peak cannot be reset.
    const sampler = hwmReset ? undefined : sampleRss(pid);
    const cpuBefore = cpuSeconds(pid);
    const { ms, postMs, taskId } = await exportOnce(db.newsletterId);
    const workerCpuMs = (cpuSeconds(pid) - cpuBefore) * 1000;
    const sampledPeak = sampler?.stop() ?? NaN;
    const workerPeakRssMb = hwmReset ? readRss(pid).peakMb : sampledPeak;

    const task = await waitForTask(`http://127.0.0.1:${port}/v1/tasks/${taskId}`, headers);
    if (task.status !== 'COMPLETED') throw new Error(`export task ended ${task.status}: ${JSON.stringify(task)}`);
    const { byType, queuedMs, chunks } = await activityTimes(temporal, taskId);
    return {
      ms,
      postMs,
      inWorkerActivityMs: byType.writeStatsCsvChunk ?? NaN,
      workerCpuMs,
      activityMsByType: byType,
      queuedMs,
      chunks,
      rows: task.result.rows,
      workerIdleRssMb: before.rssMb,
      workerAfterWarmUpRssMb,
      settledAfterMs,
      workerStartedRssMb,
      sha256: task.result.sha256,
      runner,
      workerPeakRssMb,
      peakMeasuredBy: hwmReset ? 'VmHWM' : 'sampling',
      workerStartupPeakMb: before.peakMb,
      warmUpMs: warmUp.ms,
    };
  } finally {
    await api.stop();
    await worker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** How long the bench lets a worker sit idle after its warm-up export before it measures it at rest. */
const IDLE_MS = 60_000;
/** A fall of RSS between two samples, a second apart, that counts as the worker giving memory back. */
const SETTLING_STEP_MB = 2;

/**
 * Lets the worker sit idle for IDLE_MS, sampling its RSS each second; returns when it last gave memory back,
 * ms after the wait began (undefined if it never did). An export grows the main isolate's young generation to
 * its maximum (2 × the semi-space), and V8 keeps it, and the garbage of the old generation, until its memory
 * reducer runs once the process is idle. Measured under the unit's settings: two falls of 7–13 MB, one the
 * main heap's (young generation 8 → 0.3–1 MB, old 34 → 30 MB), the other the workflow thread's isolate's
 * (`--trace-gc`: its heap 28.6 → 17.6 MB), each 10–60 s after the export, then RSS stayed within 2–4 MB.
 */
async function settle(pid: number): Promise<number | undefined> {
  const started = performance.now();
  let previous = readRss(pid).rssMb;
  let lastFall: number | undefined;
  while (performance.now() - started < IDLE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = readRss(pid).rssMb;
    if (previous - now >= SETTLING_STEP_MB) lastFall = performance.now() - started;
    previous = now;
  }
  return lastFall;
}

const emails = (outbox: string) =>
  fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];

/** POSTs an export and waits for its email; the clock runs from the POST until the new `.eml` exists. */
async function exportUntilEmail(
  baseUrl: string,
  headers: Record<string, string>,
  newsletterId: number,
  outbox: string,
  worker: Started,
  workerLog: string,
): Promise<{ ms: number; postMs: number; taskId: string }> {
  const already = new Set(emails(outbox));
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/exports`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ newsletterId }),
  });
  const postMs = performance.now() - started;
  const body = (await response.json()) as { taskId?: string };
  if (response.status !== 202 || !body.taskId)
    throw new Error(`POST /v1/exports answered ${response.status}: ${JSON.stringify(body)}`);
  await waitForEmail(outbox, already, worker, workerLog);
  return { ms: performance.now() - started, postMs, taskId: body.taskId };
}

/** The mailer writes `<id>.eml.tmp` then renames it: a new `.eml` name means the whole message is there. */
async function waitForEmail(outbox: string, already: Set<string>, worker: Started, workerLog: string): Promise<void> {
  for (;;) {
    if (emails(outbox).some((name) => !already.has(name))) return;
    if (worker.exited() !== undefined)
      throw new Error(`the worker exited (${worker.exited()}) before the email; see ${workerLog}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The task can still be RUNNING for a moment after the email: the notification comes last. */
async function waitForTask(url: string, headers: Record<string, string>): Promise<any> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await fetch(url, { headers });
    const task = (await response.json()) as any;
    if (response.status !== 200) throw new Error(`GET task answered ${response.status}: ${JSON.stringify(task)}`);
    if (task.status !== 'RUNNING') return task;
    if (Date.now() > deadline) throw new Error(`task still RUNNING 2 minutes after its email`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * From the workflow history: time inside each activity type (started → completed) and time activities
 * waited in their queue (scheduled → started), to show where the whole path spends what is not the CSV.
 */
async function activityTimes(
  temporal: Client,
  workflowId: string,
): Promise<{ byType: Record<string, number>; queuedMs: number; chunks: number }> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { type: string; at: number }>();
  const startedAt = new Map<string, number>();
  const byType: Record<string, number> = {};
  let queuedMs = 0;
  let chunks = 0;
  for (const event of history.events ?? []) {
    const at = tsToMs(event.eventTime);
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(String(event.eventId), { type, at });
    const startedOf = event.activityTaskStartedEventAttributes?.scheduledEventId;
    if (startedOf != null) {
      startedAt.set(String(startedOf), at);
      queuedMs += at - (scheduled.get(String(startedOf))?.at ?? at);
    }
    const completedOf = event.activityTaskCompletedEventAttributes?.scheduledEventId;
    const activity = completedOf == null ? undefined : scheduled.get(String(completedOf));
    if (activity) {
      byType[activity.type] = (byType[activity.type] ?? 0) + at - (startedAt.get(String(completedOf)) ?? at);
      if (activity.type === 'writeStatsCsvChunk') chunks += 1;
    }
  }
  return { byType, queuedMs, chunks };
}
