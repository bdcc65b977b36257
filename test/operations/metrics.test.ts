import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { startDevServerOnFreePort, type DevServer } from '../../src/temporal/dev-server';
import { createAudience } from '../support/contacts';
import { apiClient } from '../support/http';
import { freePort } from '../support/ports';
import { SmtpSink } from '../support/smtp-sink';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { deployedExpressions, exposedFamilies, isExposed, metricReferences } from './referenced-metrics';

const TENANT = 'ops';
const SUBSCRIBED = 12;

/** One sample's value from a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([\w:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics after one export and one send: SDK and domain metrics, and all the dashboard and alerts use', () => {
  // Its own dev server, so the Temporal server's /metrics (its URL is in the server's log) is read too.
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-ops-temporal-'));
  const smtp = new SmtpSink({
    rejectRecipient: (address) => {
      if (address.startsWith('refused')) return { code: 550, message: '5.1.1 mailbox unavailable' };
      if (address.startsWith('flaky') && !flakyTried.has(address)) {
        flakyTried.add(address);
        return { code: 451, message: '4.7.1 try again later' };
      }
      return undefined;
    },
  });
  const flakyTried = new Set<string>();
  let server: DevServer;
  let sys: TestSystem;
  let worker: WorkerProcess;
  let workerMetricsUrl: string;
  let texts: { worker: string; api: string; temporal: string };
  let exportTaskId: string;
  let sendTaskId: string;

  before(async () => {
    const cliPath = process.env.MAILROOM_TEST_TEMPORAL_CLI ?? findTemporalCli();
    assert.ok(cliPath, 'a temporal CLI');
    server = await startDevServerOnFreePort({
      cliPath,
      dbFile: path.join(stateDir, 'temporal.sqlite'),
      logFile: path.join(stateDir, 'temporal.log'),
    });
    await smtp.start();
    sys = await startTestSystem({
      dialect: 'sqlite',
      smtpUrl: smtp.url,
      worker: false,
      // No imports allowed: one import request is the 429 the API counts.
      env: {
        TEMPORAL_ADDRESS: server.address,
        MAILROOM_API_METRICS_PORT: String(await freePort()),
        MAILROOM_LIMIT_IMPORTS: '0',
      },
    });
    const healthPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${healthPort}/metrics`;
    // The real `mailroom worker`, with debug logs to read activities' lines from.
    worker = startWorkerProcess(sys.settings, { MAILROOM_WORKER_HEALTH_PORT: String(healthPort), LOG_LEVEL: 'debug' });
    await waitUntil(
      'the worker to serve /metrics',
      () =>
        fetch(workerMetricsUrl).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );

    await createAudience(sys.db.database.db, TENANT, {
      subscribed: SUBSCRIBED,
      extra: ['refused1@ops.test', 'flaky1@ops.test'],
    });
    const owner = apiClient(sys.url, (await sys.user(TENANT, 'owner@ops.test')).apiKey);
    const draft = await owner.post('/v1/newsletters', { subject: 'Ops news', html: '<p>Hello {{first_name}}</p>' });
    assert.equal(draft.status, 201, draft.text);
    const send = await owner.post(`/v1/newsletters/${draft.body.id}/send`);
    assert.equal(send.status, 202, send.text);
    sendTaskId = send.body.taskId;
    assert.equal((await owner.waitForTask(sendTaskId)).status, 'COMPLETED');
    // After the send: its deliveries are the export's rows.
    const exported = await owner.post('/v1/exports', { newsletterId: draft.body.id });
    assert.equal(exported.status, 202, exported.text);
    exportTaskId = exported.body.taskId;
    assert.equal((await owner.waitForTask(exportTaskId)).status, 'COMPLETED');
    const refused = await owner.call('POST', '/v1/contacts/import', 'email\nnew@ops.test\n', {
      'Content-Type': 'text/csv',
    });
    assert.equal(refused.status, 429, refused.text);
    // Counted when the last activity returns: the worker's metrics settle just after the task reads done.
    await waitUntil('the notifications to be counted', async () => {
      const text = await (await fetch(workerMetricsUrl)).text();
      return (sample(text, 'mailroom_notifications_written_total', { kind: 'export' }) ?? 0) >= 1 &&
        (sample(text, 'mailroom_notifications_written_total', { kind: 'send' }) ?? 0) >= 1
        ? text
        : undefined;
    });
    const logLine = fs.readFileSync(path.join(stateDir, 'temporal.log'), 'utf8');
    const temporalMetricsUrl = /Metrics:\s+(http\S+)/.exec(logLine)?.[1];
    assert.ok(temporalMetricsUrl, `the dev server's log names its metrics URL:\n${logLine}`);
    texts = {
      worker: await (await fetch(workerMetricsUrl)).text(),
      api: await (await fetch(`${sys.api!.metricsUrl}/metrics`)).text(),
      temporal: await (await fetch(temporalMetricsUrl)).text(),
    };
  });

  after(async () => {
    await worker?.kill('SIGTERM');
    await sys?.stop();
    await smtp.stop();
    await server?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("the worker's /metrics carries the Temporal SDK's metrics", () => {
    const queue = sys.settings.taskQueue;
    assert.ok(
      (sample(texts.worker, 'temporal_num_pollers', { task_queue: queue, poller_type: 'workflow_task' }) ?? 0) > 0,
    );
    assert.ok(
      (sample(texts.worker, 'temporal_num_pollers', { task_queue: `${queue}-email`, poller_type: 'activity_task' }) ??
        0) > 0,
    );
    for (const name of [
      'temporal_worker_task_slots_used',
      'temporal_worker_task_slots_available',
      'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
      'temporal_activity_schedule_to_start_latency_seconds_bucket',
      'temporal_activity_execution_failed_total',
      'temporal_sticky_cache_size',
    ])
      assert.notEqual(sample(texts.worker, name), undefined, name);
  });

  it('the domain metrics count what the export and the send did', () => {
    const w = (name: string, labels?: Record<string, string>) => sample(texts.worker, name, labels);
    assert.equal(w('mailroom_export_rows_total'), SUBSCRIBED + 2);
    assert.ok((w('mailroom_export_bytes_total') ?? 0) > 0);
    assert.equal(w('mailroom_export_duration_seconds_count'), 1);
    assert.equal(w('mailroom_emails_total', { kind: 'newsletter', outcome: 'sent' }), SUBSCRIBED + 1);
    assert.equal(w('mailroom_emails_total', { kind: 'newsletter', outcome: 'failed' }), 1);
    assert.equal(w('mailroom_emails_total', { kind: 'export_ready', outcome: 'sent' }), 1);
    assert.ok((w('mailroom_email_retries_total', { activity: 'sendDeliveryBatch' }) ?? 0) >= 1, 'the 451 retried');
    assert.ok((w('mailroom_email_rate_wait_seconds_count') ?? 0) >= SUBSCRIBED);
    assert.equal(w('mailroom_tasks_finished_total', { kind: 'export', status: 'COMPLETED' }), 1);
    assert.equal(w('mailroom_tasks_finished_total', { kind: 'send', status: 'COMPLETED' }), 1);
    assert.ok((w('mailroom_export_store_free_bytes') ?? 0) > 0);
    const a = (name: string, labels?: Record<string, string>) => sample(texts.api, name, labels);
    assert.equal(a('mailroom_tasks_started_total', { kind: 'export' }), 1);
    assert.equal(a('mailroom_tasks_started_total', { kind: 'send' }), 1);
    assert.equal(a('mailroom_temporal_reachable'), 1);
    assert.equal(a('mailroom_tasks_refused_total', { limit: 'imports' }), 1);
    assert.equal(a('mailroom_http_requests_total', { method: 'POST', route: '/v1/contacts/import', status: '4xx' }), 1);
    assert.ok((a('mailroom_http_requests_total', { method: 'POST', route: '/v1/exports', status: '2xx' }) ?? 0) >= 1);
  });

  it('every metric the alert rules and the dashboard select is exposed by its job', () => {
    const sources: Record<string, Set<string>> = {
      'mailroom-worker': exposedFamilies(texts.worker),
      'mailroom-api': exposedFamilies(texts.api),
      temporal: exposedFamilies(texts.temporal),
    };
    /** Series Prometheus makes itself: target health and the alerts' own state. */
    const prometheusOwn = new Set(['up', 'ALERTS']);
    const expressions = deployedExpressions();
    assert.ok(expressions.length >= 30, `${expressions.length} expressions read`);
    const problems: string[] = [];
    for (const { expr, where } of expressions) {
      const bare = expr.replace(/[a-zA-Z_:][\w:]*\{[^}]*\}/g, '').match(/\b(mailroom|temporal)_\w+/g);
      if (bare) problems.push(`${where}: ${bare.join(', ')} without a {job=…} selector`);
      for (const { metric, job } of metricReferences(expr, where)) {
        if (prometheusOwn.has(metric)) continue;
        if (!job || !sources[job]) problems.push(`${where}: ${metric} names no known job (${job})`);
        else if (!isExposed(metric, sources[job])) problems.push(`${where}: ${metric} is not on the ${job} /metrics`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("every activity's log line carries its task id, tenant and workflow run id", () => {
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => typeof entry.activityType === 'string');
    const ofTasks = lines.filter((entry) => entry.taskId === exportTaskId || entry.taskId === sendTaskId);
    assert.ok(ofTasks.length >= 10, `${ofTasks.length} activity lines of the two tasks`);
    for (const entry of lines) {
      assert.equal(typeof entry.taskId, 'string', JSON.stringify(entry));
      assert.equal(typeof entry.workflowRunId, 'string', JSON.stringify(entry));
    }
    // The SDK logs "Activity started" before any interceptor reads the input: the task's first one may lack it.
    for (const entry of ofTasks.filter((e) => e.msg !== 'Activity started'))
      assert.equal(entry.tenantId, TENANT, JSON.stringify(entry));
  });
});
