import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { STATS_HEADER, STATS_HEADER_LINE, statsCsvLine } from '../../src/export/stats-csv';
import { startsFormula } from '../../src/storage/csv-safety';
import { hostileText, referenceCells, statsRowArbitrary } from '../support/stats-rows-arbitrary';

/** csv-safety's rule as it was written before the ASCII shortcut. */
const ORIGINAL_FORMULA_START =
  /^(?:[\t\r]|[\s\p{Cf}\p{Zs}\p{Cc}\u180e\u115f\u1160\u3164\uffa0\u2800]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u;

describe('the fast CSV path equals csv-stringify plus our neutralisation', () => {
  it('writes every generated row byte for byte as the reference does', () => {
    fc.assert(
      fc.property(fc.array(statsRowArbitrary, { minLength: 1, maxLength: 20 }), (rows) => {
        const fast = Buffer.from(rows.map(statsCsvLine).join(''), 'utf8');
        const reference = Buffer.from(stringify(rows.map(referenceCells)), 'utf8');
        assert.ok(
          fast.equals(reference),
          `${JSON.stringify(fast.toString())}\n${JSON.stringify(reference.toString())}`,
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('decides formulas as the original expression does, invisible leading characters included', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        assert.equal(startsFormula(text), ORIGINAL_FORMULA_START.test(text), JSON.stringify(text));
      }),
      { numRuns: 5_000 },
    );
    for (let cp = 0; cp < 0x3000; cp++) {
      const text = `${String.fromCodePoint(cp)}=1`;
      assert.equal(startsFormula(text), ORIGINAL_FORMULA_START.test(text), `U+${cp.toString(16)}`);
    }
  });

  it('writes the header as csv-stringify does', () => {
    assert.equal(STATS_HEADER_LINE, stringify([STATS_HEADER]));
  });
});
