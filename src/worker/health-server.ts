import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { sdkMetricsText } from '../observability/sdk-runtime';
import { workerMetrics } from '../observability/worker-metrics';

const processMetrics = new Registry();
collectDefaultMetrics({ register: processMetrics });

/**
 * `/healthz` and `/metrics` for a worker, so a supervisor can restart one that stopped polling. `/metrics`
 * carries the process, what the activities did (src/observability) and the Temporal SDK's own metrics.
 */
export function startWorkerHealthServer(port: number, isHealthy: () => boolean, host?: string): http.Server {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/healthz' || req.url === '/readyz') {
      const healthy = isHealthy();
      res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'stopped' }));
    } else if (req.url === '/metrics') {
      try {
        const texts = await Promise.all([processMetrics.metrics(), workerMetrics.metrics(), sdkMetricsText()]);
        res.writeHead(200, { 'Content-Type': processMetrics.contentType });
        res.end(texts.filter(Boolean).join('\n'));
      } catch {
        res.writeHead(500).end();
      }
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }));
    }
  });
  server.listen(port, host);
  return server;
}
