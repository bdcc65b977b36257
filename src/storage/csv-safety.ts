/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return that hides one) as a
 * formula: CSV injection. Prefixing a single quote makes them show the text instead (OWASP's advice).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
