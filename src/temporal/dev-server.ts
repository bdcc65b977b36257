import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../shared/contracts';

/**
 * Server settings mailroom relies on; `deploy/temporal/dynamicconfig/mailroom.yaml` sets the same for compose.
 * The server orders by priority and fairness key within each task-queue partition only, and a poller takes
 * any partition: with the default four, a tenant's task can wait behind another's backlog in a busier
 * partition. One partition makes the ordering hold for the whole queue, at far more than mailroom's task rate.
 */
export const FAIRNESS_DYNAMIC_CONFIG = [
  'matching.enableFairness=true',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

/**
 * The file store's SQLite settings, unless the caller gives its own. With SQLite's defaults (a rollback
 * journal, synchronous=full) every write of the server's one connection syncs the disk several times: under
 * a few hundred workflow steps a second the store queued its operations (their latencies summed 2.5× the
 * wall time in bench:fairness), tasks waited hundreds of ms in their queues, and some writes missed their
 * deadline. A write-ahead log synced at checkpoints survives the server's crash (not the machine's loss of
 * power, which a dev server can afford).
 */
export const DEV_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file of the server's state; it survives restarts. Omitted: the state is in memory, gone at exit. */
  dbFile?: string;
  /** `PRAGMA name=value` for the file store (the CLI's `--sqlite-pragma`); omitted: DEV_SQLITE_PRAGMAS. */
  sqlitePragmas?: Record<string, string>;
  /** Port of the server's Prometheus `/metrics` (persistence latency per operation…); omitted: one the CLI picks. */
  metricsPort?: number;
  ip?: string;
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** Where the server's own output goes. */
  logFile: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** The server's Prometheus metrics, when started with a `metricsPort`. */
  metricsUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with mailroom's search attributes and waits until it answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'warn'];
  if (options.dbFile !== undefined) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    for (const [name, value] of Object.entries(options.sqlitePragmas ?? DEV_SQLITE_PRAGMAS)) {
      args.push('--sqlite-pragma', `${name}=${value}`);
    }
  }
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  for (const name of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  // Tenants share task queues fairly (fairness keys on every start and activity): see DESIGN.md.
  for (const setting of FAIRNESS_DYNAMIC_CONFIG) args.push('--dynamic-config-value', setting);

  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(options.cliPath, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilServing(address, () => exitCode, options.logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    metricsUrl: options.metricsPort === undefined ? undefined : `http://${ip}:${options.metricsPort}/metrics`,
    process: child,
    stop,
  };
}

/** A loopback port free right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A headless dev server on free ports, for tests and benchmarks. The CLI picks its HTTP API port itself,
 * and on a busy machine another process can take it first: then it starts again on other ports.
 */
export async function startDevServerOnFreePort(
  options: Omit<DevServerOptions, 'port' | 'uiPort' | 'metricsPort'>,
  attempts = 3,
): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({ ...options, port: await freePort(), metricsPort: await freePort() });
    } catch (error) {
      const log = fs.existsSync(options.logFile) ? fs.readFileSync(options.logFile, 'utf8') : '';
      if (attempt >= attempts || !log.includes('address already in use')) throw error;
      if (options.dbFile !== undefined) fs.rmSync(options.dbFile, { force: true });
    }
  }
}

/** True when a Temporal frontend answers at the address. */
export async function temporalAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

async function waitUntilServing(address: string, exitCode: () => number | null, logFile: string): Promise<void> {
  // The first start on a 2-core machine, with a new SQLite file, takes several seconds.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exitCode() !== null) throw new Error(`temporal dev server exited with code ${exitCode()}; see ${logFile}`);
    if (await temporalAnswers(address)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`temporal dev server did not answer at ${address} within 90 s; see ${logFile}`);
}
