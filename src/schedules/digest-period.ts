import type { DigestPeriod } from '../shared/contracts';

/**
 * "Yesterday" for a digest that runs at `at` in `timeZone`: the local calendar day before the one `at`
 * falls on, as its date and as the UTC instants [from, to) that bound it. A DST change makes that day
 * 23 or 25 hours long, which is why this is not `at - 24h`.
 */
export function previousLocalDay(at: Date, timeZone: string): DigestPeriod {
  const today = localDate(at.getTime(), timeZone);
  const yesterday = addDays(today, -1);
  return {
    date: formatDate(yesterday),
    from: new Date(localMidnight(yesterday, timeZone)).toISOString(),
    to: new Date(localMidnight(today, timeZone)).toISOString(),
  };
}

interface YMD {
  year: number;
  month: number;
  day: number;
}

function wallClockParts(ms: number, timeZone: string): Record<string, number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  return Object.fromEntries(parts.filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

function localDate(ms: number, timeZone: string): YMD {
  const p = wallClockParts(ms, timeZone);
  return { year: p.year!, month: p.month!, day: p.day! };
}

/** How far the zone's wall clock is ahead of UTC at instant `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const p = wallClockParts(ms, timeZone);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** The instant the local day starts; the offset is re-read once, since it may differ at midnight itself. */
function localMidnight(date: YMD, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  // Where midnight does not exist (a DST jump at 00:00), the day starts at the first instant after it.
  return localDate(second, timeZone).day === date.day ? second : first;
}

function addDays(date: YMD, days: number): YMD {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const formatDate = (d: YMD) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
