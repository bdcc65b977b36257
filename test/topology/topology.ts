import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureGoTool, temporalCliTool, temporalServerTool } from '../../src/temporal/cli-binary';
import { freePort, temporalAnswers } from '../../src/temporal/dev-server';
import { spawnProc, startMailroom, type Proc } from './processes';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');

/**
 * The production topology of docker-compose.yml, natively, from the same deploy/ files (what
 * scripts/stack.sh starts, with free ports and handles a test can break): a PostgreSQL cluster of its own,
 * Temporal's schema (setup-schema.sh), the Temporal server (config/temporal.yaml), the namespace
 * (create-namespace.sh) and `mailroom migrate`. The API and workers are started by the test.
 */
export interface Topology {
  dir: string;
  /** `mailroom`'s settings: DATABASE_URL, TEMPORAL_ADDRESS, LINK_SECRET, MAILROOM_DATA_DIR… */
  env: Record<string, string>;
  temporalAddress: string;
  postgres: { stop(): void; start(): void; restart(): void };
  temporal: { stop(): Promise<void>; start(): Promise<void>; proc(): Proc };
  close(): Promise<void>;
}

const pgBin = () => {
  const base = '/usr/lib/postgresql';
  const version = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!version) throw new Error('no PostgreSQL under /usr/lib/postgresql: apt-get install postgresql');
  return path.join(base, version, 'bin');
};

/** PostgreSQL refuses to run as root: the postgres user runs it then. */
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

/** As `run`, without blocking the event loop: work the caller overlaps with it goes on. */
async function runAsync(what: string, command: string, args: string[], env: Record<string, string>, log: string) {
  try {
    await promisify(execFile)(command, args, { env: { ...process.env, ...env }, cwd: ROOT, maxBuffer: 64 << 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    fs.appendFileSync(log, `${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw new Error(`${what} failed:\n${String(e.stderr || e.stdout || error).slice(-3000)}`, { cause: error });
  }
}

function run(what: string, command: string, args: string[], env: Record<string, string>, log: string): void {
  try {
    execFileSync(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    fs.appendFileSync(log, `${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw new Error(`${what} failed:\n${String(e.stderr ?? e.stdout ?? error).slice(-3000)}`, { cause: error });
  }
}

export async function startTopology(
  dir: string,
  options: {
    smtpUrl: string;
    env?: Record<string, string>;
    /** Runs once mailroom's database is migrated, while the Temporal server is set up and started (seeding). */
    onDatabaseReady?: (env: Record<string, string>) => Promise<void>;
  },
) {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // The postgres user must reach its data directory inside (mkdtemp makes 0700 directories).
  fs.chmodSync(dir, 0o755);
  const log = (name: string) => path.join(dir, 'logs', `${name}.log`);
  const say = (line: string) => fs.appendFileSync(log('topology'), `${new Date().toISOString()} ${line}\n`);
  const builtServer = ensureGoTool(temporalServerTool(), say);
  const builtCli = ensureGoTool(temporalCliTool(), say);
  if (!builtServer || !builtCli) throw new Error('no Go toolchain to build the Temporal server and CLI');
  const serverDir: string = builtServer;
  const cliDir: string = builtCli;
  const bin = pgBin();
  const PATH = [serverDir, cliDir, bin, process.env.PATH].join(path.delimiter);

  // PostgreSQL: passwords over TCP, as in production; the socket (trust) for the roles script only.
  const pgData = path.join(dir, 'postgres');
  const pgPort = await freePort();
  fs.mkdirSync(pgData, { recursive: true });
  fs.writeFileSync(log('postgres'), '');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', pgData, log('postgres')]);
  run(
    'initdb',
    ...asPostgres(path.join(bin, 'initdb'), [
      '-D',
      pgData,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
    ]),
    {},
    log('postgres'),
  );
  const pgCtl = (args: string[]) =>
    run(`pg_ctl ${args[0]}`, ...asPostgres(path.join(bin, 'pg_ctl'), args), {}, log('postgres'));
  // A throwaway cluster: no durability work (a fast stop still writes its shutdown checkpoint).
  const pgOptions = `-p ${pgPort} -k ${pgData} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB`;
  const postgres = {
    start: () => pgCtl(['start', '-D', pgData, '-l', log('postgres'), '-w', '-t', '60', '-o', pgOptions]),
    stop: () => pgCtl(['stop', '-D', pgData, '-m', 'fast', '-w']),
    restart: () => pgCtl(['restart', '-D', pgData, '-m', 'fast', '-w', '-t', '60', '-o', pgOptions]),
  };
  let server: Proc | undefined;
  postgres.start();
  try {
    return await afterPostgres();
  } catch (error) {
    // Nothing the caller cannot stop is left running.
    await server?.stop('SIGKILL');
    try {
      postgres.stop();
    } catch {
      // already stopped
    }
    throw error;
  }

  async function afterPostgres() {
    const temporalPassword = crypto.randomBytes(12).toString('hex');
    const mailroomPassword = crypto.randomBytes(12).toString('hex');
    run(
      'deploy/postgres/initdb',
      ...asPostgres('bash', [path.join(DEPLOY, 'postgres', 'initdb', '10-roles-and-databases.sh')]),
      {
        PATH,
        PGHOST: pgData,
        PGPORT: String(pgPort),
        POSTGRES_USER: 'postgres',
        TEMPORAL_DB_PASSWORD: temporalPassword,
        MAILROOM_DB_PASSWORD: mailroomPassword,
      },
      log('postgres'),
    );

    // Temporal keeps membership ports in a smallint column: below 32768, under the kernel's ephemeral range.
    const ports: number[] = [];
    for (let i = 0; i < 9; i++) ports.push(i % 2 === 0 && i > 0 ? await freeLowPort(ports) : await freePort());
    const temporalAddress = `127.0.0.1:${ports[0]}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: `postgres://mailroom:${mailroomPassword}@127.0.0.1:${pgPort}/mailroom`,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      SMTP_URL: options.smtpUrl,
      MAIL_FROM: 'mailroom <no-reply@mailroom.test>',
      LINK_SECRET: crypto.randomBytes(32).toString('hex'),
      MAILROOM_DATA_DIR: path.join(dir, 'files'),
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    // mailroom's schema first: the caller's seeding overlaps Temporal's schema step and start.
    const migrate = startMailroom('migrate', env, { compiled: compiled(), logFile: log('migrate') });
    if ((await migrate.exited) !== 0) throw new Error(`mailroom migrate failed:\n${migrate.output()}`);
    const seeding = options.onDatabaseReady?.(env);
    seeding?.catch(() => undefined); // awaited once Temporal is up

    await runAsync(
      'deploy/temporal/setup-schema.sh',
      'sh',
      [path.join(DEPLOY, 'temporal', 'setup-schema.sh')],
      {
        PATH,
        SQL_PLUGIN: 'postgres12',
        SQL_HOST: '127.0.0.1',
        SQL_PORT: String(pgPort),
        SQL_USER: 'temporal',
        SQL_PASSWORD: temporalPassword,
        SCHEMA_ROOT: path.join(serverDir, 'schema', 'postgresql', 'v12'),
      },
      log('temporal-schema'),
    );

    const serverEnv = {
      PATH,
      LOG_LEVEL: 'warn',
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(pgPort),
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: temporalPassword,
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      NUM_HISTORY_SHARDS: '4',
      BIND_ON_IP: '127.0.0.1',
      FRONTEND_GRPC_PORT: String(ports[0]),
      FRONTEND_HTTP_PORT: String(ports[1]),
      FRONTEND_MEMBERSHIP_PORT: String(ports[2]),
      HISTORY_GRPC_PORT: String(ports[3]),
      HISTORY_MEMBERSHIP_PORT: String(ports[4]),
      MATCHING_GRPC_PORT: String(ports[5]),
      MATCHING_MEMBERSHIP_PORT: String(ports[6]),
      WORKER_GRPC_PORT: String(ports[7]),
      WORKER_MEMBERSHIP_PORT: String(ports[8]),
      DYNAMIC_CONFIG_FILE_PATH: path.join(DEPLOY, 'temporal', 'dynamicconfig', 'mailroom.yaml'),
    };
    const temporal = {
      proc: () => server!,
      async start() {
        server = spawnProc(
          'temporal-server',
          path.join(serverDir, 'temporal-server'),
          ['--config-file', path.join(DEPLOY, 'temporal', 'config', 'temporal.yaml'), 'start'],
          serverEnv,
          log('temporal'),
        );
        const deadline = Date.now() + 120_000;
        while (!(await temporalAnswers(temporalAddress))) {
          if (!server.running()) throw new Error(`temporal-server exited; see ${log('temporal')}`);
          if (Date.now() > deadline) throw new Error(`temporal-server did not answer in 120 s; see ${log('temporal')}`);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      },
      async stop() {
        const timer = setTimeout(() => server?.child.kill('SIGKILL'), 20_000);
        await server?.stop('SIGTERM');
        clearTimeout(timer);
      },
    };
    await temporal.start();
    await runAsync(
      'deploy/temporal/create-namespace.sh',
      'sh',
      [path.join(DEPLOY, 'temporal', 'create-namespace.sh')],
      { PATH, TEMPORAL_ADDRESS: temporalAddress, ATTEMPTS: '90' },
      log('temporal-namespace'),
    );
    await seeding;

    return {
      dir,
      env,
      temporalAddress,
      postgres,
      temporal,
      async close() {
        await temporal.stop().catch(() => undefined);
        try {
          postgres.stop();
        } catch {
          // already stopped
        }
      },
    } satisfies Topology;
  }
}

/** A free loopback port in 20000–32767. */
async function freeLowPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + crypto.randomInt(12_000);
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The compiled build (`npm run build`), as production runs; MAILROOM_TOPOLOGY_SOURCES=1 runs the sources. */
export const compiled = () => process.env.MAILROOM_TOPOLOGY_SOURCES !== '1';
