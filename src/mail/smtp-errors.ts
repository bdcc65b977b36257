/**
 * What an SMTP failure says about the message:
 * - `permanent`: the server answered 5xx (the mailbox or the message is refused; retrying changes nothing);
 * - `transient`: the server answered 4xx (or 503), or no connection could be opened: the message was not
 *   accepted, and is worth trying again later;
 * - `unknown`: the connection broke or timed out with no answer, possibly after the whole message went
 *   out: the server may have accepted it. Only these can become duplicates if sent again.
 */
export type SmtpFailureKind = 'permanent' | 'transient' | 'unknown';

/** Socket errors of a connection that never opened: nothing of the message was transmitted. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EDNS']);

export function classifySmtpFailure(error: unknown): SmtpFailureKind {
  const e = (error ?? {}) as { responseCode?: unknown; code?: unknown; originalCode?: unknown };
  if (typeof e.responseCode === 'number') {
    // 503 is a bad command sequence, not a verdict on the message: nodemailer treats it as transient too.
    return e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503 ? 'permanent' : 'transient';
  }
  const code = typeof e.originalCode === 'string' ? e.originalCode : e.code;
  return typeof code === 'string' && NEVER_CONNECTED.has(code) ? 'transient' : 'unknown';
}

/** A 5xx reply: permanent. */
export function isPermanentSmtpFailure(error: unknown): boolean {
  return classifySmtpFailure(error) === 'permanent';
}

/** A failure of the connection rather than a reply about one recipient: the rest of a batch would fail too. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code !== 'number' || code === 421;
}

export function describeSmtpFailure(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string } | null;
  if (e?.response) return e.response.slice(0, 300);
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`.slice(0, 300);
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
export const isDeliverableAddress = (email: string): boolean => ADDRESS.test(email) && email.length <= 254;
