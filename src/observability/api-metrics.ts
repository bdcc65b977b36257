import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

/**
 * The API's domain metrics, shared by every app of the process and registered into each app's registry
 * (served on MAILROOM_API_METRICS_PORT). Labels are bounded: task kinds, limit names, route patterns.
 */
export const tasksStarted = new Counter({
  name: 'mailroom_tasks_started_total',
  help: 'Tasks started through the API, by kind (an Idempotency-Key replay is not counted).',
  labelNames: ['kind'] as const,
  registers: [],
});

export const tasksRefused = new Counter({
  name: 'mailroom_tasks_refused_total',
  help: 'Requests refused with 429 because the tenant reached a limit, by limit (exports, sends, imports…).',
  labelNames: ['limit'] as const,
  registers: [],
});

export const dependencyUnavailable = new Counter({
  name: 'mailroom_dependency_unavailable_total',
  help: 'Requests answered 503 because a dependency did not answer in time, by dependency.',
  labelNames: ['dependency'] as const,
  registers: [],
});

export const httpRequests = new Counter({
  name: 'mailroom_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status class (2xx, 4xx…).',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [],
});

export const httpDuration = new Histogram({
  name: 'mailroom_http_request_duration_seconds',
  help: 'Time to answer an HTTP request (to its last byte), by method and route pattern.',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [],
});

const SHARED = [tasksStarted, tasksRefused, dependencyUnavailable, httpRequests, httpDuration] as Metric[];

/** Within a second either way, like /readyz: a probe that hangs is as bad as one that says no. */
const PROBE_DEADLINE_MS = 900;

/** Registers the API's metrics into `registry`, with a gauge that asks Temporal at each scrape. */
export function registerApiMetrics(registry: Registry, temporal: Client): void {
  for (const metric of SHARED) registry.registerMetric(metric);
  new Gauge({
    name: 'mailroom_temporal_reachable',
    help: 'Whether Temporal answered the API (GetSystemInfo within 900 ms) at this scrape: 1 yes, 0 no.',
    registers: [registry],
    async collect() {
      const answered = await temporal.connection
        .withDeadline(Date.now() + PROBE_DEADLINE_MS, () => temporal.connection.workflowService.getSystemInfo({}))
        .then(
          () => 1,
          () => 0,
        );
      this.set(answered);
    },
  });
}
