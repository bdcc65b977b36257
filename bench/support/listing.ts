import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { startApi, type RunningApi } from '../../src/cli/commands/api';
import { createNewsletter, listNewsletters } from '../../src/db/queries/newsletters';
import { issueApiKey } from '../../src/db/queries/users';
import type { Dialect } from '../../src/db/schema';
import { DEMO_TENANT } from '../../src/db/seed';
import { loadSettings } from '../../src/settings';
import { freePort } from '../../test/support/ports';
import { createSeededDatabase, type BenchDatabase } from './bench-databases';

/** The issue's target: no request holds the event loop longer than this. */
export const LISTING_STALL_TARGET_MS = 50;
export const LISTING_PAGE_SIZE = 100;

export interface Timings {
  runs: number;
  medianMs: number;
  maxMs: number;
}

export interface PageFigures {
  /** What the page holds, e.g. "100 drafts". */
  label: string;
  /** listNewsletters called directly on the database (no HTTP), after one unmeasured warm-up call. */
  query: Timings;
  /** GET /v1/newsletters through the running API, client-side, after one unmeasured warm-up request. */
  http: Timings;
  /** Longest lateness of a 10 ms interval timer in the API's process during any measured request. */
  worstStallMs: number;
  /** perf_hooks.monitorEventLoopDelay's max over the same requests: its 10 ms resolution plus the stall. */
  loopDelayMaxMs: number;
  /** Longest answer to /healthz, asked back to back while the listing requests ran. */
  healthzMaxMs: number;
  /** Each measured request's worst stall, in order. */
  stallsMs: number[];
  /**
   * The same watch over as many windows without a request (each as long as the GET before it): what the
   * machine itself costs the timer (other processes on the cores, GC), to read the stalls against.
   */
  idleStallMs: number;
  /** The recipients the page showed, by status: a sanity check of the counts. */
  recipients: Record<string, number[]>;
}

export interface ListingFigures {
  dialect: Dialect;
  contacts: number;
  drafts: number;
  seedMs: number;
  /**
   * What counting instead of a counter would cost, each once per page at best: one COUNT of the tenant's
   * subscribed contacts, and one COUNT of the largest newsletter's delivery rows (SQLite holds the loop).
   */
  countSubscribed: Timings;
  countDeliveries: Timings;
  /** The first page: the 100 newest newsletters, all drafts. */
  drafts100: PageFigures;
  /** The next page: the seed's draft and its two sent newsletters (one with a delivery per contact). */
  sentPage: PageFigures;
}

export interface ListingOptions {
  dialect: Dialect;
  contacts: number;
  /** Drafts added after the seed (default 100). */
  drafts?: number;
  /** Measured repetitions per figure (default 5). */
  runs?: number;
  /** Where SQLite files and the API's data dir go. */
  workDir: string;
  /** Admin URL of a PostgreSQL server, for dialect postgres. */
  pgAdminUrl?: string;
  /** host:port of a running Temporal server (the API connects a client at start). */
  temporalAddress: string;
  log?: (line: string) => void;
}

/**
 * Seeds a new database with the demo tenant at `contacts` contacts (src/db/seed.ts) plus `drafts` drafts,
 * then measures the newsletter listing: the query alone, and GET /v1/newsletters?limit=100 against a
 * real API (src/cli/commands/api.ts `startApi`, in this process so its event loop can be watched),
 * with the longest event-loop stall while each request runs. Drops the database before returning.
 */
export async function measureListing(options: ListingOptions): Promise<ListingFigures> {
  const log = options.log ?? (() => {});
  const drafts = options.drafts ?? 100;
  const runs = options.runs ?? 5;
  const seedStarted = performance.now();
  const db = await createSeededDatabase(options.dialect, options.contacts, options.workDir, options.pgAdminUrl);
  const seedMs = performance.now() - seedStarted;
  let api: RunningApi | undefined;
  const dataDir = fs.mkdtempSync(path.join(options.workDir, `listing-${options.dialect}-`));
  try {
    for (let i = 1; i <= drafts; i++) {
      await createNewsletter(db.database.db, {
        tenantId: DEMO_TENANT,
        subject: `Draft ${i} of the listing bench`,
        html: '<p>Hi {{first_name}}</p>',
      });
    }
    const { apiKey } = await issueApiKey(db.database.db, DEMO_TENANT, 'listing-bench@example.com');
    const settings = loadSettings({
      TEMPORAL_ADDRESS: options.temporalAddress,
      MAILROOM_DATA_DIR: dataDir,
      MAILROOM_TASK_QUEUE: `bench-${crypto.randomBytes(5).toString('hex')}`,
      LINK_SECRET: crypto.randomBytes(32).toString('hex'),
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    });
    api = await startApi(settings, pino({ level: 'warn' }));

    log(`[${options.contacts.toLocaleString('en')} ${options.dialect}] single COUNTs, for reference…`);
    const countSubscribed = await time(runs, () =>
      db.database.db
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', DEMO_TENANT)
        .where('unsubscribed', '=', 0)
        .executeTakeFirstOrThrow(),
    );
    const countDeliveries = await time(runs, () =>
      db.database.db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('newsletter_id', '=', db.newsletterId)
        .executeTakeFirstOrThrow(),
    );
    // The seed's garbage is this process's: collect it (with --expose-gc) and let the machine settle first.
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(2_000);
    const first = await listNewsletters(db.database.db, DEMO_TENANT, { limit: LISTING_PAGE_SIZE });
    if (first.next === undefined) throw new Error('the listing has a single page: expected the seed below the drafts');
    const label = `${options.contacts.toLocaleString('en')} ${options.dialect}`;
    log(`[${label}] page 1 (${drafts} drafts)…`);
    const drafts100 = await measurePage(db, api.url, apiKey, undefined, runs, `${first.items.length} drafts`);
    log(
      `[${label}] page 1: query ${drafts100.query.medianMs.toFixed(1)} ms, GET ${drafts100.http.medianMs.toFixed(1)} ms, stall ${drafts100.worstStallMs.toFixed(1)} ms`,
    );
    log(`[${label}] page 2 (the seed's newsletters)…`);
    const sentPage = await measurePage(db, api.url, apiKey, first.next, runs, 'seed: 2 sent + 1 draft');
    log(
      `[${label}] page 2: query ${sentPage.query.medianMs.toFixed(1)} ms, GET ${sentPage.http.medianMs.toFixed(1)} ms, stall ${sentPage.worstStallMs.toFixed(1)} ms`,
    );
    return {
      dialect: options.dialect,
      contacts: options.contacts,
      drafts,
      seedMs,
      countSubscribed,
      countDeliveries,
      drafts100,
      sentPage,
    };
  } finally {
    await api?.close();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measurePage(
  db: BenchDatabase,
  apiUrl: string,
  apiKey: string,
  cursor: number | undefined,
  runs: number,
  label: string,
): Promise<PageFigures> {
  const page = { limit: LISTING_PAGE_SIZE, beforeId: cursor };
  const query = await time(runs, () => listNewsletters(db.database.db, DEMO_TENANT, page));

  const url = `${apiUrl}/v1/newsletters?limit=${LISTING_PAGE_SIZE}${cursor === undefined ? '' : `&cursor=${cursor}`}`;
  const get = async () => {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${apiKey}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body}`);
    return JSON.parse(body) as { items: Array<{ status: string; recipients: number }> };
  };
  const warmUp = await get();
  const recipients: Record<string, number[]> = {};
  for (const item of warmUp.items) (recipients[item.status] ??= []).push(item.recipients);

  const httpMs: number[] = [];
  const windows: Watched[] = [];
  const idle: Watched[] = [];
  for (let i = 0; i < runs; i++) {
    windows.push(
      await watchLoop(apiUrl, async () => {
        const started = performance.now();
        await get();
        httpMs.push(performance.now() - started);
      }),
    );
    // Interleaved, so the idle windows see the same machine as the requests around them.
    idle.push(await watchLoop(apiUrl, () => sleep(Math.max(20, httpMs[httpMs.length - 1]!))));
  }
  const worst = (list: Watched[], key: keyof Watched) => Math.max(...list.map((w) => w[key]));
  return {
    label,
    query,
    http: timings(httpMs),
    worstStallMs: worst(windows, 'stallMs'),
    stallsMs: windows.map((w) => w.stallMs),
    loopDelayMaxMs: worst(windows, 'loopDelayMaxMs'),
    healthzMaxMs: worst(windows, 'healthzMaxMs'),
    idleStallMs: worst(idle, 'stallMs'),
    recipients,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Watched {
  stallMs: number;
  loopDelayMaxMs: number;
  healthzMaxMs: number;
}

/**
 * Runs `body` while watching this process's event loop (where the API runs): a 10 ms interval timer's
 * worst lateness, a fresh monitorEventLoopDelay histogram, and /healthz asked back to back.
 */
async function watchLoop(apiUrl: string, body: () => Promise<void>): Promise<Watched> {
  // Let the loop settle (the previous request's sockets, GC) before watching it.
  await sleep(50);
  const stall = watchStalls(10);
  let watching = true;
  let healthzMaxMs = 0;
  const healthz = (async () => {
    while (watching) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}/healthz`);
      await response.text();
      healthzMaxMs = Math.max(healthzMaxMs, performance.now() - started);
    }
  })();
  // A new histogram each time: one re-enabled would count the time it was off as a delay.
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await body();
    // One more tick of the timer, so a stall that ended with the body is seen.
    await sleep(15);
  } finally {
    histogram.disable();
    watching = false;
    await healthz;
  }
  return { stallMs: stall.stop(), loopDelayMaxMs: histogram.max / 1e6, healthzMaxMs };
}

/** A timer that should fire every `everyMs`: the longest it was late is how long the loop was held. */
function watchStalls(everyMs: number): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const at = performance.now();
    worst = Math.max(worst, at - last - everyMs);
    last = at;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      // A stall still under way when the timer is stopped counts too.
      return Math.max(worst, performance.now() - last - everyMs);
    },
  };
}

/** `runs` timed calls of `fn` after one unmeasured warm-up call. */
async function time(runs: number, fn: () => Promise<unknown>): Promise<Timings> {
  const ms: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    await fn();
    if (i > 0) ms.push(performance.now() - started);
  }
  return timings(ms);
}

function timings(values: number[]): Timings {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    medianMs: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}
