/**
 * Sender identities: the one mailbox a newsletter's `from` may name, and the addresses or `@domain`s an
 * operator verifies for a tenant. Strict on purpose: ASCII dot-atom addresses only, one mailbox, and a
 * display name that cannot hold an address (`"ceo@rival.test" <news@acme.test>` is a spoof).
 */

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = `${LABEL}(?:\\.${LABEL})+`;
const ADDRESS = `${ATOM}(?:\\.${ATOM})*@${DOMAIN}`;

const BARE_ADDRESS = new RegExp(`^(${ADDRESS})$`);
const AT_DOMAIN = new RegExp(`^@(${DOMAIN})$`);
/** `Name <address>`, `"Name, with commas" <address>` or `<address>`: no `@`, brackets, quotes or controls in the name. */
const NAMED = new RegExp(
  `^(?:"([^"\\\\@<>\\x00-\\x1f\\x7f]*)"|([^"\\\\@<>,;:()\\[\\]\\x00-\\x1f\\x7f]+))?\\s*<(${ADDRESS})>$`,
);

export interface Mailbox {
  /** The display name, or '' when none was given. */
  name: string;
  /** The address, its domain lowercased. */
  address: string;
}

/** `local@Domain` → `local@domain`: domains are case-insensitive, local parts are the receiver's business. */
export function normaliseAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/** The single mailbox of a newsletter's `from` (`address` or `Name <address>`), or undefined if it is not one. */
export function parseMailbox(text: string): Mailbox | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 320) return undefined;
  const bare = BARE_ADDRESS.exec(trimmed);
  if (bare) return { name: '', address: normaliseAddress(bare[1]!) };
  const named = NAMED.exec(trimmed);
  if (!named) return undefined;
  return { name: (named[1] ?? named[2] ?? '').trim(), address: normaliseAddress(named[3]!) };
}

/** What an operator verifies: an address (`news@acme.test`) or a whole domain (`@acme.test`), normalised. */
export function parseSenderSpec(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 320) return undefined;
  const domain = AT_DOMAIN.exec(trimmed);
  if (domain) return `@${domain[1]!.toLowerCase()}`;
  const bare = BARE_ADDRESS.exec(trimmed);
  return bare ? normaliseAddress(bare[1]!) : undefined;
}
