import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What the workers did, as Prometheus metrics: one registry per process, filled by the activity
 * interceptor (activity-metrics.ts) and served on the worker's `/metrics`. Labels are bounded sets
 * (activity types, task kinds, outcomes): never a tenant, a task or an address.
 */
export const workerMetrics = new Registry();
const registers = [workerMetrics];

export const activityDuration = new Histogram({
  name: 'mailroom_activity_duration_seconds',
  help: 'Time one activity attempt took, by activity type and outcome (completed, failed, cancelled).',
  labelNames: ['activity', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  registers,
});

export const workerLaneServed = new Gauge({
  name: 'mailroom_worker_lane',
  help: 'The lane this worker process serves (all, interactive or bulk): 1.',
  labelNames: ['lane'] as const,
  registers,
});

export const bulkWorkersSeparate = new Gauge({
  name: 'mailroom_bulk_workers_separate',
  help: '1 when MAILROOM_BULK_WORKERS=separate: large tasks wait unless a `mailroom worker --bulk` runs.',
  registers,
});

export const activitiesStarted = new Counter({
  name: 'mailroom_activities_started_total',
  help: 'Activity attempts started by this worker, by activity type.',
  labelNames: ['activity'] as const,
  registers,
});

export const activitiesRunning = new Gauge({
  name: 'mailroom_activities_running',
  help: 'Activity attempts running now in this worker, by activity type.',
  labelNames: ['activity'] as const,
  registers,
});

export const exportRows = new Counter({
  name: 'mailroom_export_rows_total',
  help: 'Rows written to published export files.',
  registers,
});

export const exportBytes = new Counter({
  name: 'mailroom_export_bytes_total',
  help: 'Bytes of published export files.',
  registers,
});

export const exportDuration = new Histogram({
  name: 'mailroom_export_duration_seconds',
  help: 'Time from an export task being recorded to its file being published.',
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  registers,
});

export const emails = new Counter({
  name: 'mailroom_emails_total',
  help:
    'Emails by outcome: sent (accepted by the relay), failed (refused for good), skipped (unsubscribed), ' +
    'resent (sent again after a crash left its fate unknown); kind is newsletter, export_ready, send_summary or digest.',
  labelNames: ['kind', 'outcome'] as const,
  registers,
});

export const emailRetries = new Counter({
  name: 'mailroom_email_retries_total',
  help: 'Email activity attempts that failed and are retried (relay refusing, unreachable, or a lost connection).',
  labelNames: ['activity'] as const,
  registers,
});

export const emailRateWait = new Histogram({
  name: 'mailroom_email_rate_wait_seconds',
  help: "Time a newsletter email waited for its slot of the shared email rate (the tenant's fair share).",
  buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers,
});

export const importRows = new Counter({
  name: 'mailroom_import_rows_total',
  help: 'CSV rows of contact imports, accepted (created or updated) or refused (invalid).',
  labelNames: ['outcome'] as const,
  registers,
});

export const notificationsWritten = new Counter({
  name: 'mailroom_notifications_written_total',
  help: "Notifications written for a task's owner, by task kind.",
  labelNames: ['kind'] as const,
  registers,
});

export const tasksFinished = new Counter({
  name: 'mailroom_tasks_finished_total',
  help: 'Tasks that ended, by kind and status (COMPLETED, FAILED, CANCELED, TIMED_OUT…), as their workflow recorded it.',
  labelNames: ['kind', 'status'] as const,
  registers,
});

/** Seconds a newsletter email waits for its rate slot `at` (ms since the epoch), taken now. */
export function observeEmailSlotWait(at: number): void {
  emailRateWait.observe(Math.max(0, at - Date.now()) / 1000);
}
