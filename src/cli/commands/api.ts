import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from '../../api/app';
import { connectDatabase } from '../../db/connect';
import { createLogger } from '../../logger';
import { loadSettings, type Settings } from '../../settings';
import { createFileStores } from '../../storage/stores';
import { connectClient } from '../../temporal/connect';
import { untilSignal } from '../action';

export interface RunningApi {
  server: Server;
  url: string;
  /** Origin of `/metrics`, when MAILROOM_API_METRICS_PORT is set. */
  metricsUrl?: string;
  /** Cuts every connection at once and closes the clients. */
  close(): Promise<void>;
  /**
   * A graceful stop (SIGTERM): `/readyz` answers 503 so a load balancer stops sending, no new connection is
   * accepted, event streams end cleanly (an EventSource reconnects, to another replica), requests in flight
   * finish; whatever is still open after `graceMs` is cut. Then `close()`.
   */
  drain(graceMs: number): Promise<void>;
}

/** How long a stopping API lets requests in flight finish (compose and systemd give the process more). */
export const API_DRAIN_MS = 20_000;

const isEventStream = (req: http.IncomingMessage) => req.method === 'GET' && /\/events\/?(\?|$)/.test(req.url ?? '');

/** `http://host:port` as a client writes it: a wildcard address reads as localhost, IPv6 in brackets. */
function origin(server: Server, host: string | undefined): string {
  const { port } = server.address() as AddressInfo;
  const name = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

const listen = (server: Server, port: number, host: string | undefined) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** `/metrics` alone, on its own port: Prometheus scrapes it there; the public API port never serves it. */
function metricsServer(metrics: Registry): Server {
  return http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ error: { code: 'not_found', message: 'only /metrics is served here' } }));
    }
    metrics.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
}

export async function startApi(settings: Settings, logger: Logger): Promise<RunningApi> {
  const database = connectDatabase(settings.databaseUrl);
  const temporal = await connectClient(settings);
  const metrics = new Registry();
  const app = createApp({ settings, database, temporal, files: createFileStores(settings.dataDir), logger }, metrics);
  let draining = false;
  const open = new Set<{ req: http.IncomingMessage; res: http.ServerResponse }>();
  const server = http.createServer((req, res) => {
    if (draining && req.url?.split('?')[0] === '/readyz') {
      res.writeHead(503, { 'Content-Type': 'application/json', Connection: 'close' });
      return void res.end(JSON.stringify({ status: 'unavailable', down: ['api (stopping)'] }));
    }
    const entry = { req, res };
    open.add(entry);
    res.once('close', () => open.delete(entry));
    app(req, res);
  });
  /** Ends an event stream between events: the route stops on 'close'; a late write must not throw. */
  const endStream = (res: http.ServerResponse) => {
    res.on('error', () => undefined);
    res.end();
  };
  await listen(server, settings.port, settings.host);
  let metricsListener: Server | undefined;
  if (settings.apiMetricsPort !== undefined) {
    metricsListener = metricsServer(metrics);
    await listen(metricsListener, settings.apiMetricsPort, settings.host);
  }
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      const closing = [server, ...(metricsListener ? [metricsListener] : [])].map(
        (s) => new Promise<void>((resolve) => s.close(() => resolve())),
      );
      server.closeAllConnections();
      metricsListener?.closeAllConnections();
      await Promise.all(closing);
      await temporal.connection.close();
      await database.close();
    })());
  return {
    server,
    url: origin(server, settings.host),
    metricsUrl: metricsListener && origin(metricsListener, settings.host),
    close,
    async drain(graceMs) {
      draining = true;
      // Stops accepting; idle keep-alive connections close now, busy ones once their response is sent.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { req, res } of open) if (isEventStream(req) && res.headersSent) endStream(res);
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
      const outcome = await Promise.race([stopped.then(() => 'drained' as const), deadline]);
      clearInterval(idle);
      if (outcome === 'late') logger.warn({ open: open.size }, 'requests still open after the drain time: cut');
      await close();
    },
  };
}

export async function api(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel, 'mailroom-api');
  const running = await startApi(settings, logger);
  logger.info({ url: running.url, metrics: running.metricsUrl }, 'API listening');
  const signal = await untilSignal();
  logger.info({ signal, graceMs: API_DRAIN_MS }, 'API draining');
  // A second signal while draining: stop now.
  process.once(signal, () => void running.close().finally(() => process.exit(1)));
  await running.drain(API_DRAIN_MS);
  logger.info('API stopped');
  // Nothing should be left holding the event loop; if something is, it must not turn a clean stop into a hang.
  setTimeout(() => process.exit(0), 2_000).unref();
}
