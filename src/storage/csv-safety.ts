/**
 * Spreadsheets run a cell that starts with = + - @ (or their full-width forms, or a tab or carriage
 * return that hides one) as a formula: CSV injection. A leading single quote makes them show the text
 * instead (OWASP's advice).
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
