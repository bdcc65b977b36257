/**
 * What one CSV record of a contact import means: pure functions, tested without a database.
 * Columns are email, first name, last name (extra columns ignored), or named by a header row.
 */

export interface ContactColumns {
  email: number;
  firstName?: number;
  lastName?: number;
}

export type ContactRow =
  { ok: true; email: string; firstName?: string; lastName?: string } | { ok: false; reason: string };

/** Without a header: email, first name, last name, in that order. */
export const POSITIONAL_COLUMNS: ContactColumns = { email: 0, firstName: 1, lastName: 2 };

const MAX_NAME = 200;
// ASCII addresses as mail servers accept them: a dot-atom local part, a domain of labels and a TLD.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// Control characters (C0 but tab and line breaks, DEL, C1) are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// Half of a UTF-16 surrogate pair: not Unicode text, and refused by PostgreSQL.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Text a contact field may hold on both databases: no control character (NUL included), no lone surrogate. */
const fieldProblem = (value: string): string | undefined =>
  CONTROL.test(value) ? 'control characters' : LONE_SURROGATE.test(value) ? 'invalid Unicode text' : undefined;

const NAMES: Record<keyof ContactColumns, string[]> = {
  email: ['email', 'emailaddress', 'mail', 'courriel'],
  firstName: ['firstname', 'first', 'givenname', 'forename', 'prenom'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'nom'],
};

const normaliseHeading = (cell: string) =>
  cell
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

export const isEmail = (text: string): boolean =>
  text.length <= 254 && EMAIL.test(text) && text.split('@')[0]!.length <= 64;

/**
 * Columns named by the first record if it is a header: none of its cells is an address and one of them
 * names the email column. Undefined when the first record is data.
 */
export function headerColumns(record: string[]): ContactColumns | undefined {
  if (record.some((cell) => isEmail(cell.trim()))) return undefined;
  const headings = record.map(normaliseHeading);
  const find = (field: keyof ContactColumns) => {
    const index = headings.findIndex((h) => NAMES[field].includes(h));
    return index < 0 ? undefined : index;
  };
  const email = find('email');
  if (email === undefined) return undefined;
  return { email, firstName: find('firstName'), lastName: find('lastName') };
}

/** Validates one data record. A name column missing from the record leaves the stored name as it is. */
export function readContact(record: string[], columns: ContactColumns): ContactRow {
  const email = (record[columns.email] ?? '').trim().toLowerCase();
  if (email === '') return { ok: false, reason: 'the email address is missing' };
  // Never echoed: a reason is stored and shown, so it carries no NUL or broken text of its own.
  const emailProblem = fieldProblem(email);
  if (emailProblem) return { ok: false, reason: `the email address contains ${emailProblem}` };
  if (!isEmail(email)) return { ok: false, reason: `"${clip(email)}" is not a valid email address` };
  const name = (index: number | undefined, label: string): string | { reason: string } | undefined => {
    if (index === undefined || index >= record.length) return undefined;
    const value = record[index]!.trim();
    if (value.length > MAX_NAME) return { reason: `the ${label} is longer than ${MAX_NAME} characters` };
    const problem = fieldProblem(value);
    if (problem) return { reason: `the ${label} contains ${problem}` };
    return value;
  };
  const firstName = name(columns.firstName, 'first name');
  if (typeof firstName === 'object') return { ok: false, reason: firstName.reason };
  const lastName = name(columns.lastName, 'last name');
  if (typeof lastName === 'object') return { ok: false, reason: lastName.reason };
  return { ok: true, email, firstName, lastName };
}

/** At most 60 characters, cut between code points (never through a surrogate pair). */
const clip = (text: string) => {
  const chars = Array.from(text);
  return chars.length > 60 ? `${chars.slice(0, 57).join('')}...` : text;
};
