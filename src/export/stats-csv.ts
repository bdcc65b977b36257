import type { StatsRow } from '../db/queries/delivery-stats';
import { startsFormula } from '../storage/csv-safety';

/** The export's columns as the user reads them; the contact id (the keyset cursor) stays internal. */
export const STATS_HEADER = [
  'Email',
  'First name',
  'Last name',
  'Status',
  'Sent at',
  'Opens',
  'First opened at',
  'Clicks',
  'First clicked at',
  'Bounced',
  'Unsubscribed',
];

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTES = /"/g;

/**
 * One cell as csv-stringify writes it with its defaults (the reference, see test/unit/csv-fast-path.test.ts):
 * quoted when it holds a comma, a quote, CR or LF, inner quotes doubled; null and empty are nothing.
 */
export function csvCell(text: string | null): string {
  if (text === null || text === '') return '';
  if (!NEEDS_QUOTES.test(text)) return text;
  return `"${text.replace(QUOTES, '""')}"`;
}

/** Eleven cells, none holding a comma, a quote, CR or LF: the line needs no quoting at all. */
const PLAIN_LINE = /^[^",\r\n]*(?:,[^",\r\n]*){10}$/;

/**
 * The CSV line of one row, newline included: byte for byte what csv-stringify writes for the row's cells
 * (test/unit/csv-fast-path.test.ts). Almost every line needs no quotes, which one regular expression over
 * the joined line decides; only the others are built cell by cell.
 */
export function statsCsvLine(row: StatsRow): string {
  const email = startsFormula(row[1]) ? `'${row[1]}` : row[1];
  const first = startsFormula(row[2]) ? `'${row[2]}` : row[2];
  const last = startsFormula(row[3]) ? `'${row[3]}` : row[3];
  const line =
    `${email},${first},${last},${row[4]},${row[5] ?? ''},${row[6]},${row[7] ?? ''},${row[8]},` +
    `${row[9] ?? ''},${row[10] ? 'yes' : 'no'},${row[11] ? 'yes' : 'no'}`;
  if (PLAIN_LINE.test(line)) return `${line}\n`;
  return (
    `${csvCell(email)},${csvCell(first)},${csvCell(last)},${csvCell(row[4])},${csvCell(row[5])},${row[6]},` +
    `${csvCell(row[7])},${row[8]},${csvCell(row[9])},${row[10] ? 'yes' : 'no'},${row[11] ? 'yes' : 'no'}\n`
  );
}

/**
 * The CSV line of a row whose last eight cells SQLite joined with commas (readJoinedStatsPage), newline
 * included, when no cell needs quotes: then it is statsCsvLine's line. Undefined otherwise (a comma, quote, CR
 * or LF in any cell, which also changes the count of commas): the caller formats that row's own cells.
 */
export function statsCsvLineJoined(email: string, first: string, last: string, rest: string): string | undefined {
  const line =
    `${startsFormula(email) ? `'${email}` : email},${startsFormula(first) ? `'${first}` : first},` +
    `${startsFormula(last) ? `'${last}` : last},${rest}`;
  return PLAIN_LINE.test(line) ? `${line}\n` : undefined;
}

/** The header line; no header name needs quotes. */
export const STATS_HEADER_LINE = `${STATS_HEADER.map(csvCell).join(',')}\n`;
