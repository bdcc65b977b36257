/**
 * Deadlines for tests: no wait in the suite is open-ended. Every polling loop goes through `waitUntil`,
 * every await on something that may never settle (a stream's end, a workflow's result) through
 * `withDeadline`; each fails with a message naming what it waited for. test/run.ts also gives node's
 * test runner a per-test timeout, as the last resort.
 */

/** Options of `waitUntil`: how long in all, and how long between two probes. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns something truthy, or fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null | 0 | ''> | T | undefined | false | null | 0 | '',
  options: number | WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 40_000, intervalMs = 250 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Date.now() - started} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `promise`, or a rejection naming `what` once `timeoutMs` have passed; the timer never outlives it. */
export async function withDeadline<T>(what: string, promise: Promise<T>, timeoutMs = 40_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A loop bound for code that pages or iterates until a condition: `for (const _ of atMost(1000, 'pages'))`
 * throws instead of looping forever when the condition never comes.
 */
export function* atMost(times: number, what: string): Generator<number> {
  for (let i = 0; i < times; i++) yield i;
  throw new Error(`gave up after ${times} ${what}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
