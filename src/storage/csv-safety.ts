/**
 * Spreadsheets run a cell that starts with = + - @ (or their full-width forms) as a formula: CSV injection.
 * They skip what cannot be seen before it: spaces of every kind (NBSP, ideographic…), line breaks and tabs,
 * and format characters (zero-width space and joiners, BOM, direction marks, soft hyphen), so the sign that
 * counts is the first visible character. A cell that starts with a tab or carriage return is neutralised
 * whatever follows (OWASP lists both). A leading single quote makes the spreadsheet show the text instead.
 */
export const INVISIBLE_LEADING = /[\s\p{Cf}\p{Zs}\p{Cc}\u180e\u115f\u1160\u3164\uffa0\u2800]/u;
export const FORMULA_SIGNS = '=+-@\uFF1D\uFF0B\uFF0D\uFF20';

const FORMULA_START = new RegExp(`^(?:[\\t\\r]|${INVISIBLE_LEADING.source}*[=+\\-@\\uFF1D\\uFF0B\\uFF0D\\uFF20])`, 'u');

/** True when the cell could start a formula; a visible ASCII first character other than a sign settles it at once. */
export function startsFormula(cell: string): boolean {
  const first = cell.charCodeAt(0);
  if (first > 0x20 && first < 0x7f && first !== 0x3d && first !== 0x2b && first !== 0x2d && first !== 0x40)
    return false;
  return FORMULA_START.test(cell);
}

export function neutraliseFormula(cell: string): string {
  return startsFormula(cell) ? `'${cell}` : cell;
}
