import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from '../../src/storage/csv-safety';

describe('CSV formula neutralisation', () => {
  it('prefixes a quote to every cell a spreadsheet would run', () => {
    for (const cell of [
      '=1+2',
      '+1',
      '-1+1',
      '@SUM(A1)',
      '\t=1',
      '\r=1',
      '=HYPERLINK("http://x","y")',
      '＝1+2',
      '＋1',
      '－1',
      '＠SUM(A1)',
      '\u200b=1+2',
      '\ufeff+1',
      '\u00a0\u00a0-1',
      ' \t@SUM(A1)',
    ]) {
      assert.equal(neutraliseFormula(cell), `'${cell}`);
    }
  });

  it('leaves ordinary text alone', () => {
    for (const cell of ['Ada', 'ada@example.com', "O'Brien", '', '1+1', 'a=b', 'Zoé']) {
      assert.equal(neutraliseFormula(cell), cell);
    }
  });

  it('survives a CSV round trip with quotes and commas intact', () => {
    const cells = ['=HYPERLINK("http://evil.example","Click, here")', 'plain'].map(neutraliseFormula);
    const [row] = parse(stringify([cells])) as string[][];
    assert.deepEqual(row, cells);
    assert.ok(row![0]!.startsWith("'="));
  });
});
