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

/** A cell a contact typed: neutralised first (csv-safety), then quoted if needed. */
function contactCell(text: string): string {
  return csvCell(startsFormula(text) ? `'${text}` : text);
}

/** The CSV line of one row, newline included: byte for byte what csv-stringify writes for `statsCells`. */
export function statsCsvLine(row: StatsRow): string {
  return (
    contactCell(row[1]) +
    ',' +
    contactCell(row[2]) +
    ',' +
    contactCell(row[3]) +
    ',' +
    csvCell(row[4]) +
    ',' +
    csvCell(row[5]) +
    ',' +
    row[6] +
    ',' +
    csvCell(row[7]) +
    ',' +
    row[8] +
    ',' +
    csvCell(row[9]) +
    ',' +
    (row[10] ? 'yes' : 'no') +
    ',' +
    (row[11] ? 'yes' : 'no') +
    '\n'
  );
}

/** The header line; no header name needs quotes. */
export const STATS_HEADER_LINE = `${STATS_HEADER.map(csvCell).join(',')}\n`;
