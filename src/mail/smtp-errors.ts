/**
 * SMTP's own verdict: a 5xx reply is permanent (the mailbox or the message is refused; retrying changes
 * nothing); a 4xx reply, a refused connection or a timeout is transient and worth retrying later.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function describeSmtpFailure(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string } | null;
  if (e?.response) return e.response.slice(0, 300);
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`.slice(0, 300);
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
export const isDeliverableAddress = (email: string): boolean => ADDRESS.test(email) && email.length <= 254;
