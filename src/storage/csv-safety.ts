/**
 * Spreadsheets run a cell that starts with = + - @ (or their full-width forms) as a formula: CSV injection.
 * They skip what cannot be seen before it: spaces of every kind (NBSP, ideographic…), line breaks and tabs,
 * and format characters (zero-width space and joiners, BOM, direction marks, soft hyphen), so the sign that
 * counts is the first visible character. A cell that starts with a tab or carriage return is neutralised
 * whatever follows (OWASP lists both). A leading single quote makes the spreadsheet show the text instead.
 */
const FORMULA_START =
  /^(?:[\t\r]|[\s\p{Cf}\p{Zs}\p{Cc}\u180e\u115f\u1160\u3164\uffa0\u2800]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u;

export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
