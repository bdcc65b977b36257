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
  close(): Promise<void>;
}

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
  const server = http.createServer(app);
  await listen(server, settings.port, settings.host);
  let metricsListener: Server | undefined;
  if (settings.apiMetricsPort !== undefined) {
    metricsListener = metricsServer(metrics);
    await listen(metricsListener, settings.apiMetricsPort, settings.host);
  }
  return {
    server,
    url: origin(server, settings.host),
    metricsUrl: metricsListener && origin(metricsListener, settings.host),
    async close() {
      const closing = [server, ...(metricsListener ? [metricsListener] : [])].map(
        (s) => new Promise<void>((resolve) => s.close(() => resolve())),
      );
      server.closeAllConnections();
      metricsListener?.closeAllConnections();
      await Promise.all(closing);
      await temporal.connection.close();
      await database.close();
    },
  };
}

export async function api(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel, 'mailroom-api');
  const running = await startApi(settings, logger);
  logger.info({ url: running.url, metrics: running.metricsUrl }, 'API listening');
  await untilSignal();
  await running.close();
}
