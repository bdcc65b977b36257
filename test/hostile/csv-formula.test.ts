import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { neutraliseFormula } from '../../src/storage/csv-safety';

/**
 * Issue 11, item 9: spreadsheets skip leading invisible characters (zero-width, BOM, NBSP and other
 * format or space characters) and tabs before a formula sign, so a cell whose first visible character is
 * a formula sign is neutralised whatever precedes it.
 */
const INVISIBLE = {
  'zero-width space': '\u200b',
  'zero-width non-joiner': '\u200c',
  'zero-width joiner': '\u200d',
  'word joiner': '\u2060',
  BOM: '\ufeff',
  NBSP: '\u00a0',
  'narrow NBSP': '\u202f',
  'ideographic space': '\u3000',
  'en space': '\u2002',
  'left-to-right mark': '\u200e',
  'right-to-left override': '\u202e',
  'soft hyphen': '\u00ad',
  'Mongolian vowel separator': '\u180e',
  space: ' ',
  tab: '\t',
  'carriage return': '\r',
  'line feed': '\n',
  'vertical tab': '\u000b',
  'form feed': '\u000c',
};
const SIGNS = ['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20'];

describe('CSV formula neutralisation after invisible characters', () => {
  it('neutralises a formula sign after any leading invisible character or run of them', () => {
    for (const [name, invisible] of Object.entries(INVISIBLE)) {
      for (const sign of SIGNS) {
        for (const prefix of [invisible, `${invisible}${invisible}`, `\u200b\t${invisible}\u00a0`]) {
          const cell = `${prefix}${sign}HYPERLINK("http://evil.example","x")`;
          const safe = neutraliseFormula(cell);
          assert.ok(safe.startsWith("'"), `${name} before ${sign}: ${JSON.stringify(safe)}`);
          assert.equal(safe.slice(1), cell, 'the text itself is kept');
        }
      }
    }
  });

  it('leaves cells alone whose first visible character is not a formula sign', () => {
    // (A cell starting with a tab or carriage return is neutralised whatever follows, as OWASP advises.)
    for (const cell of ['\u200bAda', '\u00a0Zoé', ' 1+1', '\ufeffa=b', '', '\u200b', 'x=1', "O'Brien", 'Zoë-Anne']) {
      assert.equal(neutraliseFormula(cell), cell, JSON.stringify(cell));
    }
  });
});
