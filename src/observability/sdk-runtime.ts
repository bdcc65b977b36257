import { DefaultLogger, Runtime, type LogLevel, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freePort } from '../temporal/dev-server';

/** pino's level names as the SDK's: what reaches our logger from the SDK and from activities' `log`. */
const SDK_LEVEL: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};
const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Where the SDK's own Prometheus exporter listens in this process (loopback only), once installed. */
let exporterAddress: string | undefined;
let installed = false;

/**
 * The SDK's metrics (task slots, schedule-to-start latency, failures, polls, sticky cache) exported in
 * Prometheus' format on a loopback port the worker's `/metrics` reads and appends. Counters end in
 * `_total` and durations are in seconds, as Prometheus names them.
 */
async function sdkMetricsTelemetry(): Promise<TelemetryOptions> {
  const bindAddress = `127.0.0.1:${await freePort()}`;
  exporterAddress = bindAddress;
  return {
    metrics: {
      prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
    },
  };
}

/**
 * Installs the SDK's runtime once per process, before any connection: its logs, and activities' `log`
 * lines (with their task, tenant and run), go through our logger at its level; with `metrics` (a worker
 * that serves `/metrics`), the SDK's metrics are exported too.
 */
export async function installSdkRuntime(logger: Logger, metrics: boolean): Promise<void> {
  if (installed) return;
  installed = true;
  const telemetry = metrics ? await sdkMetricsTelemetry() : undefined;
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVEL[logger.level] ?? 'INFO', ({ level, message, meta }) => {
      // The SDK's own chatter (bundling, worker states) stays at warn and above, as before; lines about an
      // activity (its own, and the SDK's "Activity started/completed") and workflows' follow our level.
      const ours =
        meta?.sdkComponent === 'activity' || meta?.sdkComponent === 'workflow' || 'activityType' in (meta ?? {});
      if (ours || level === 'WARN' || level === 'ERROR') logger[PINO_LEVEL[level]]({ ...meta, sdk: true }, message);
    }),
    ...(telemetry ? { telemetryOptions: telemetry } : {}),
  });
}

/** The SDK exporter's metrics as Prometheus text, or '' when none is installed or it does not answer. */
export async function sdkMetricsText(): Promise<string> {
  if (!exporterAddress) return '';
  try {
    const response = await fetch(`http://${exporterAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
