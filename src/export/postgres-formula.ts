import { FORMULA_SIGNS, INVISIBLE_LEADING } from '../storage/csv-safety';

const escape = (codePoint: number) =>
  codePoint > 0xffff
    ? `\\U${codePoint.toString(16).padStart(8, '0')}`
    : `\\u${codePoint.toString(16).padStart(4, '0')}`;

/** The code points a character class matches, as PostgreSQL bracket-expression ranges. */
function bracketRanges(matches: (codePoint: number) => boolean): string {
  const parts: string[] = [];
  let start = -1;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const inside = cp < 0x110000 && (cp < 0xd800 || cp > 0xdfff) && matches(cp);
    if (inside && start < 0) start = cp;
    if (!inside && start >= 0) {
      // NUL cannot reach PostgreSQL text; a range from 0 is still the right class.
      parts.push(start === cp - 1 ? escape(start) : `${escape(start)}-${escape(cp - 1)}`);
      start = -1;
    }
  }
  return parts.join('');
}

let pattern: string | undefined;

/**
 * csv-safety's FORMULA_START as a PostgreSQL regular expression (ARE), derived from the same JavaScript
 * character class code point by code point, so the server neutralises exactly the cells Node would.
 * Built once per process (about 0.1 s): PostgreSQL's regexes know no \p{…} classes.
 */
export function postgresFormulaPattern(): string {
  if (pattern) return pattern;
  const invisible = bracketRanges((cp) => INVISIBLE_LEADING.test(String.fromCodePoint(cp)));
  const signs = [...FORMULA_SIGNS].map((sign) => escape(sign.codePointAt(0)!)).join('');
  pattern = `^([\\u0009\\u000d]|[${invisible}]*[${signs}])`;
  return pattern;
}
