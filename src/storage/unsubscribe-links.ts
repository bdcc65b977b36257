import crypto from 'node:crypto';

/** `<tenant>.<contactId>.<hmac>`: a one-click unsubscribe link that names exactly one contact. */
const mac = (tenantId: string, contactId: number, secret: string) =>
  crypto.createHmac('sha256', secret).update(`unsubscribe\n${tenantId}\n${contactId}`).digest('base64url');

export function signUnsubscribeToken(tenantId: string, contactId: number, secret: string): string {
  return `${tenantId}.${contactId}.${mac(tenantId, contactId, secret)}`;
}

export function verifyUnsubscribeToken(
  token: string,
  secret: string,
): { tenantId: string; contactId: number } | undefined {
  const match = /^([a-z0-9][a-z0-9-]{0,62})\.(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const [, tenantId, id, signature] = match as unknown as [string, string, string, string];
  const expected = Buffer.from(mac(tenantId, Number(id), secret));
  return crypto.timingSafeEqual(expected, Buffer.from(signature)) ? { tenantId, contactId: Number(id) } : undefined;
}
