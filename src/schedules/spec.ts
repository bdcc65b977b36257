import { CronExpressionParser } from 'cron-parser';

/**
 * The two ways a user writes "when": a 5-field crontab or an interval. Pure functions, so the API,
 * the settings module and the unit tests share one definition of valid.
 */

/** Letters only as three-letter names (MON, JAN): Temporal's cron has no `L`, `W`, `#` or `?`. */
const CRON_FIELD = /^[0-9*,/-]*(?:[A-Za-z]{3}(?![A-Za-z])[0-9*,/-]*)*$/;

/** Why a 5-field crontab is not valid, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields.some((field) => field === '')) {
    return 'expected 5 fields: minute hour day-of-month month day-of-week, e.g. "0 8 * * MON"';
  }
  if (!fields.every((field) => CRON_FIELD.test(field))) {
    return 'use digits, *, ranges (a-b), steps (/n), lists (a,b) and three-letter names only';
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (error) {
    return `not a valid crontab: ${(error as Error).message}`;
  }
  return undefined;
}

/** The crontab in its canonical single-spaced form. */
export const normaliseCron = (expression: string): string => expression.trim().split(/\s+/).join(' ');

const INTERVAL = /^([1-9][0-9]{0,5})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A year: longer intervals are better written as a crontab. */
export const MAX_INTERVAL_MS = 366 * UNIT_MS.d;

/** `"30s"`, `"15m"`, `"2h"`, `"1d"` in milliseconds, or undefined when malformed or out of range. */
export function intervalMs(text: string): number | undefined {
  const match = INTERVAL.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms <= MAX_INTERVAL_MS ? ms : undefined;
}

/** True for an IANA zone name this runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** When a schedule fires, as stored: exactly one of `cron` and `every`, and an optional zone. */
export interface Recurrence {
  cron?: string;
  every?: string;
  timezone?: string;
}

/** The Temporal ScheduleSpec of a validated recurrence. */
export function toScheduleSpec(recurrence: Recurrence): {
  cronExpressions?: string[];
  intervals?: Array<{ every: number }>;
  timezone?: string;
} {
  const timezone = recurrence.timezone ?? 'UTC';
  if (recurrence.cron !== undefined) return { cronExpressions: [normaliseCron(recurrence.cron)], timezone };
  const every = recurrence.every === undefined ? undefined : intervalMs(recurrence.every);
  if (every === undefined) throw new Error(`invalid recurrence ${JSON.stringify(recurrence)}`);
  // An interval counts from the epoch, so a zone changes nothing; kept for describe() to show it.
  return { intervals: [{ every }], timezone };
}

/**
 * The shortest time between two runs of a recurrence: the interval itself, or for a crontab the smallest
 * gap between its next runs over a year from `from` (in UTC: a zone shifts runs, not their spacing,
 * except at a DST change, which only lengthens or shortens one gap by the shift).
 */
export function shortestGapMs(recurrence: Recurrence, from = new Date()): number {
  if (recurrence.cron === undefined) return intervalMs(recurrence.every ?? '') ?? 0;
  const runs = CronExpressionParser.parse(normaliseCron(recurrence.cron), {
    tz: 'UTC',
    currentDate: from,
    endDate: new Date(from.getTime() + MAX_INTERVAL_MS),
  });
  let shortest = Number.POSITIVE_INFINITY;
  let previous: number | undefined;
  // Enough runs to cover every minute and hour pattern; a crontab repeats within a year.
  for (let i = 0; i < 2_000 && runs.hasNext(); i++) {
    const at = runs.next().getTime();
    if (previous !== undefined) shortest = Math.min(shortest, at - previous);
    previous = at;
  }
  return shortest;
}
