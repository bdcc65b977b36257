import fc from 'fast-check';
import type { StatsRow } from '../../src/db/queries/delivery-stats';
import { neutraliseFormula } from '../../src/storage/csv-safety';

/** Characters a spreadsheet skips before a formula sign (csv-safety), and the signs themselves. */
export const INVISIBLES = [
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u00a0',
  '\u3000',
  '\u202e',
  '\u00ad',
  '\u180e',
  ' ',
  '\t',
  '\r',
  '\n',
  '\u000b',
  '\u{e0020}',
];
export const SIGNS = ['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20'];

const piece = fc.oneof(
  fc.constantFrom(',', '"', '""', '\r', '\n', '\r\n', "'", ' ', 'é', '✉', '𝄞', '中文', '\u2028', '\\', '\\.'),
  fc.constantFrom(...INVISIBLES, ...SIGNS),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ maxLength: 6 }),
);

/** Text a contact could have typed: empty, plain, or stitched from CSV-hostile and formula pieces. */
export const hostileText = fc.oneof(
  fc.constant(''),
  fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')),
  fc
    .tuple(
      fc.array(fc.constantFrom(...INVISIBLES), { maxLength: 3 }),
      fc.constantFrom(...SIGNS),
      fc.string({ maxLength: 8 }),
    )
    .map(([lead, sign, rest]) => lead.join('') + sign + rest),
);

/** Text PostgreSQL can store: no NUL. */
export const storableText = hostileText.map((text) => text.replace(/\0/g, ''));

const stamp = fc.option(storableText, { nil: null, freq: 3 });
const count = fc.integer({ min: 0, max: 1_000_000 });
const flag = fc.integer({ min: 0, max: 2 });

/** The cells of one export row after the contact id (the id is added by the caller). */
export const statsCellsArbitrary = fc.tuple(
  storableText,
  storableText,
  storableText,
  storableText,
  stamp,
  count,
  stamp,
  count,
  stamp,
  flag,
  flag,
);

export const statsRowArbitrary = fc
  .tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), statsCellsArbitrary)
  .map(([id, cells]) => [id, ...cells] as StatsRow);

/** The reference: a row's cells as the export built them before the fast path, for csv-stringify to write. */
export function referenceCells(row: StatsRow): Array<string | number> {
  const [, email, first, last, status, sentAt, opens, firstOpened, clicks, firstClicked, bounced, unsubscribed] = row;
  return [
    neutraliseFormula(email),
    neutraliseFormula(first),
    neutraliseFormula(last),
    status,
    sentAt ?? '',
    opens,
    firstOpened ?? '',
    clicks,
    firstClicked ?? '',
    bounced ? 'yes' : 'no',
    unsubscribed ? 'yes' : 'no',
  ];
}
