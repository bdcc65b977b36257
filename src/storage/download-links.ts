import crypto from 'node:crypto';

/**
 * A download token is `<payload>.<signature>`, both base64url: the payload names the export and its
 * expiry, the signature is an HMAC-SHA256 of the payload. The export id is 128 random bits, so a link
 * can be neither guessed nor altered.
 */
export interface DownloadClaim {
  exportId: string;
  expiresAt: Date;
}

export type TokenCheck =
  { ok: true; claim: DownloadClaim } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

const sign = (payload: string, secret: string) =>
  crypto.createHmac('sha256', secret).update(payload).digest('base64url');

export function signDownloadToken(claim: DownloadClaim, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify({ e: claim.exportId, x: Math.floor(claim.expiresAt.getTime() / 1000) }),
  ).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export function verifyDownloadToken(token: string, secret: string, now = new Date()): TokenCheck {
  const match = /^([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, payload, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(payload, secret));
  if (!crypto.timingSafeEqual(expected, Buffer.from(signature))) return { ok: false, reason: 'bad-signature' };
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { e, x } = (body ?? {}) as { e?: unknown; x?: unknown };
  if (typeof e !== 'string' || typeof x !== 'number') return { ok: false, reason: 'malformed' };
  const expiresAt = new Date(x * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { exportId: e, expiresAt } };
}

export const downloadUrl = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/downloads/${token}`;

/**
 * The signed link of an export, minted where it is shown (the task view, a notification, the email) and
 * never stored in a workflow's history: whoever reads histories must not be able to download the file.
 */
export function exportDownloadUrl(
  settings: { publicBaseUrl: string; linkSecret: string },
  exportId: string,
  expiresAt: string,
): string {
  const token = signDownloadToken({ exportId, expiresAt: new Date(expiresAt) }, settings.linkSecret);
  return downloadUrl(settings.publicBaseUrl, token);
}
