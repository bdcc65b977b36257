import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** `/healthz` and `/metrics` for a worker, so a supervisor can restart one that stopped polling. */
export function startWorkerHealthServer(port: number, isHealthy: () => boolean): http.Server {
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const server = http.createServer(async (req, res) => {
    if (req.url === '/healthz' || req.url === '/readyz') {
      const healthy = isHealthy();
      res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'stopped' }));
    } else if (req.url === '/metrics') {
      res.writeHead(200, { 'Content-Type': metrics.contentType });
      res.end(await metrics.metrics());
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }));
    }
  });
  server.listen(port);
  return server;
}
