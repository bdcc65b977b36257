import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import ms from 'ms';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './shared/contracts';
import { cronProblem, isTimeZone, normaliseCron } from './schedules/spec';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

const duration = z.string().transform((text, ctx) => {
  const value = ms(text as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 7d, 12h or 90m, got "${text}"` });
    return z.NEVER;
  }
  return value;
});
const port = z.coerce.number().int().min(0).max(65535);
const url = (protocols: string[]) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** One address, no display name: what SMTP's MAIL FROM carries. */
const BARE_ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

const environment = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).max(255).optional(),
  MAILROOM_API_METRICS_PORT: port.optional(),
  MAILROOM_DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'expected host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional(),
  MAILROOM_TASK_QUEUE: z
    .string()
    .regex(/^[\w.-]+$/)
    .default(DEFAULT_TASK_QUEUE),
  DATABASE_URL: z.string().min(1).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAILROOM_SMTP_POOL: z.coerce.number().int().min(1).max(100).default(5),
  MAIL_FROM: z.string().min(3).default('mailroom <no-reply@localhost>'),
  BOUNCE_ADDRESS: z.string().regex(BARE_ADDRESS, 'expected a bare address such as bounces@example.com').optional(),
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LINK_TTL: duration.default(ms('7d')),
  MAILROOM_EMAIL_RATE: z.coerce.number().positive().max(100_000).default(50),
  MAILROOM_WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(10_000).default(100),
  MAILROOM_BULK_WORKERS: z.enum(['shared', 'separate']).default('shared'),
  MAILROOM_FAIRNESS_WEIGHT: z.coerce.number().min(0.001).max(1000).default(1),
  MAILROOM_LIMIT_EXPORTS: z.coerce.number().int().min(0).max(100_000).default(10),
  MAILROOM_LIMIT_SENDS: z.coerce.number().int().min(0).max(100_000).default(3),
  MAILROOM_LIMIT_IMPORTS: z.coerce.number().int().min(0).max(100_000).default(5),
  MAILROOM_LIMIT_SCHEDULES: z.coerce.number().int().min(0).max(100_000).default(50),
  MAILROOM_MIN_SCHEDULE_INTERVAL: duration.default(ms('15m')),
  MAILROOM_LIMIT_EXPORT_BYTES: z.coerce.number().int().min(0).default(5_000_000_000),
  MAILROOM_LIMIT_EVENT_STREAMS: z.coerce.number().int().min(0).max(10_000).default(10),
  MAILROOM_SEND_BATCHES_PER_RUN: z.coerce.number().int().min(1).max(10_000).default(200),
  MAILROOM_DEMO_CONTACTS: z.coerce.number().int().min(0).max(10_000_000).default(500_000),
  MAILROOM_WORKER_HEALTH_PORT: port.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAILROOM_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10 * 1024 ** 3)
    .default(50 * 1024 * 1024),
  MAILROOM_SSE_HEARTBEAT: duration.default(ms('15s')),
  MAILROOM_DIGEST_CRON: z
    .string()
    .superRefine((text, ctx) => {
      const problem = cronProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(normaliseCron)
    .default('0 7 * * *'),
  MAILROOM_DIGEST_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris')
    .default('UTC'),
  MAILROOM_APP_FRAME_ANCESTORS: z
    .string()
    .regex(/^[\w\s'.:/*-]+$/, "expected CSP sources such as 'self' https://app.example.com")
    .default("'self'"),
  NODE_ENV: z.string().optional(),
});

/**
 * Everything mailroom reads from its environment, parsed and validated once at start-up; the type is
 * inferred from the schema, so each setting is declared (and documented) once, here.
 */
const settingsSchema = environment.transform((e, ctx) => {
  const production = e.NODE_ENV === 'production';
  if (production && !e.LINK_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['LINK_SECRET'], message: 'required when NODE_ENV=production' });
    return z.NEVER;
  }
  const dataDir = path.resolve(e.MAILROOM_DATA_DIR);
  const bounceAddress = e.BOUNCE_ADDRESS ?? /<([^<>]+)>\s*$/.exec(e.MAIL_FROM)?.[1] ?? e.MAIL_FROM.trim();
  if (!BARE_ADDRESS.test(bounceAddress)) {
    ctx.addIssue({ code: 'custom', path: ['BOUNCE_ADDRESS'], message: 'required when MAIL_FROM holds no address' });
    return z.NEVER;
  }
  return {
    /** HTTP port of the API. @defaultValue 3000 */
    port: e.PORT,
    /** Address the API listens on. @defaultValue every interface; `127.0.0.1` under `mailroom dev` */
    host: e.HOST,
    /** Port of the API's `/metrics`, on its own listener, never the public one; unset serves none. */
    apiMetricsPort: e.MAILROOM_API_METRICS_PORT,
    /** Embedded state: SQLite file, outbox, export files, link secret. @defaultValue `./data` */
    dataDir,
    /** Origin put in emailed links. @defaultValue `http://localhost:$PORT` */
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    /** @defaultValue `127.0.0.1:7233` */
    temporalAddress: e.TEMPORAL_ADDRESS,
    /** @defaultValue `default` */
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    /** Temporal Cloud style API key; implies TLS. */
    temporalApiKey: e.TEMPORAL_API_KEY,
    /** Connect to Temporal over TLS. @defaultValue false, true when an API key is set */
    temporalTls: e.TEMPORAL_TLS === 'true' || e.TEMPORAL_TLS === '1' || e.TEMPORAL_API_KEY !== undefined,
    /** Task queue of workflows; SMTP activities use `${taskQueue}-email`. @defaultValue `mailroom` */
    taskQueue: e.MAILROOM_TASK_QUEUE,
    /** `postgres://…`, or a SQLite file path. @defaultValue `<dataDir>/mailroom.sqlite` */
    databaseUrl: e.DATABASE_URL ?? path.join(dataDir, 'mailroom.sqlite'),
    /** `smtp://` or `smtps://` relay; unset writes `.eml` files to `<dataDir>/outbox`. */
    smtpUrl: e.SMTP_URL,
    /** Pooled SMTP connections per worker process. @defaultValue 5 */
    smtpPoolSize: e.MAILROOM_SMTP_POOL,
    /** @defaultValue `mailroom <no-reply@localhost>` */
    mailFrom: e.MAIL_FROM,
    /**
     * Envelope sender (SMTP MAIL FROM) of every email, where bounces go: always the service's, never a
     * tenant's `from`. @defaultValue the address inside `MAIL_FROM`
     */
    bounceAddress,
    /** HMAC key of download links; generated once into the data dir unless NODE_ENV=production. */
    linkSecret: e.LINK_SECRET ?? localLinkSecret(dataDir),
    /** Lifetime of a download link in ms; `LINK_TTL` takes `7d`, `12h`, `90m`. @defaultValue 7 days */
    linkTtlMs: e.LINK_TTL,
    /** Emails per second, all workers together. @defaultValue 50 */
    emailRate: e.MAILROOM_EMAIL_RATE,
    /** Activities one worker process runs at once on each task queue. @defaultValue 100 */
    workerActivitySlots: e.MAILROOM_WORKER_ACTIVITY_SLOTS,
    /**
     * `shared`: every `mailroom worker` serves all the queues, large exports' chunks on a few slots of each.
     * `separate`: large exports and sends run whole on the bulk queues, served only by `mailroom worker
     * --bulk` processes at a lower CPU priority; the API, every worker and the doctor must agree.
     * @defaultValue `shared`
     */
    bulkWorkers: e.MAILROOM_BULK_WORKERS,
    /** Batches a send's workflow run handles before it continues as new (history size). @defaultValue 200 */
    sendBatchesPerRun: e.MAILROOM_SEND_BATCHES_PER_RUN,
    /** Contacts of the demo tenant that `mailroom dev` seeds into an empty database. @defaultValue 500000 */
    demoContacts: e.MAILROOM_DEMO_CONTACTS,
    /** Port of the worker's `/healthz`, `/readyz` and `/metrics`; unset serves nothing. */
    workerHealthPort: e.MAILROOM_WORKER_HEALTH_PORT,
    /** pino level. @defaultValue `info` */
    logLevel: e.LOG_LEVEL,
    /** Largest CSV body `POST /v1/contacts/import` accepts (`MAILROOM_IMPORT_MAX_BYTES`); larger is 413. @defaultValue 50 MB */
    importMaxBytes: e.MAILROOM_IMPORT_MAX_BYTES,
    /** Interval of the keep-alive comments of `GET /v1/tasks/{id}/events` (`MAILROOM_SSE_HEARTBEAT`). @defaultValue 15 s */
    sseHeartbeatMs: e.MAILROOM_SSE_HEARTBEAT,
    /** 5-field crontab of the built-in `dailyDigest` schedule. @defaultValue `0 7 * * *` */
    digestCron: e.MAILROOM_DIGEST_CRON,
    /** IANA time zone of the digest's crontab and of its "yesterday". @defaultValue `UTC` */
    digestTimezone: e.MAILROOM_DIGEST_TIMEZONE,
    /**
     * Every tenant's limits unless `mailroom tenants set-limits` overrides them for one. Tasks count while
     * running or queued, per tenant and kind; a start past a limit is 429.
     */
    limits: {
      /** Share of task dispatch and of the email rate against other tenants. @defaultValue 1 */
      fairnessWeight: e.MAILROOM_FAIRNESS_WEIGHT,
      /** @defaultValue 10 */
      exports: e.MAILROOM_LIMIT_EXPORTS,
      /** @defaultValue 3 */
      sends: e.MAILROOM_LIMIT_SENDS,
      /** @defaultValue 5 */
      imports: e.MAILROOM_LIMIT_IMPORTS,
      /** Schedules per tenant. @defaultValue 50 */
      schedules: e.MAILROOM_LIMIT_SCHEDULES,
      /** Shortest time between two runs of a schedule, `every` or cron. @defaultValue 15 minutes */
      minScheduleIntervalMs: e.MAILROOM_MIN_SCHEDULE_INTERVAL,
      /** Bytes of export files kept per tenant until their links expire. @defaultValue 5 GB */
      exportBytes: e.MAILROOM_LIMIT_EXPORT_BYTES,
      /** Live progress streams open at once per user (per API process). @defaultValue 10 */
      eventStreams: e.MAILROOM_LIMIT_EVENT_STREAMS,
    },
    /**
     * Who may show the task page `/app/` in a frame: the CSP `frame-ancestors` sources
     * (`MAILROOM_APP_FRAME_ANCESTORS`), e.g. `https://app.example.com`. @defaultValue `'self'`
     */
    appFrameAncestors: e.MAILROOM_APP_FRAME_ANCESTORS,
    production,
  };
});

export type Settings = z.output<typeof settingsSchema>;
export type TenantLimits = Settings['limits'];

/** Parses the environment; throws a SettingsError whose message is one line naming the variable. */
export function loadSettings(env: Env = process.env): Settings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = settingsSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new SettingsError(`invalid setting ${String(issue.path[0])}: ${issue.message}`);
}

/** A secret generated once per data dir, so links survive restarts of an embedded install. */
function localLinkSecret(dataDir: string): string {
  const file = path.join(dataDir, 'link-secret');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export const isPostgresUrl = (databaseUrl: string): boolean => /^postgres(ql)?:\/\//.test(databaseUrl);
