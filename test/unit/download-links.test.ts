import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signDownloadToken, verifyDownloadToken } from '../../src/storage/download-links';

const secret = 'x'.repeat(64);
const exportId = '0123456789abcdef0123456789abcdef';
const inAnHour = new Date(Date.now() + 3_600_000);

describe('download links', () => {
  it('verifies a token it signed and returns the claim', () => {
    const check = verifyDownloadToken(signDownloadToken({ exportId, expiresAt: inAnHour }, secret), secret);
    assert.equal(check.ok, true);
    assert.equal(check.ok && check.claim.exportId, exportId);
  });

  it('refuses a token signed with another secret', () => {
    const token = signDownloadToken({ exportId, expiresAt: inAnHour }, 'y'.repeat(64));
    assert.deepEqual(verifyDownloadToken(token, secret), { ok: false, reason: 'bad-signature' });
  });

  it('refuses a token whose payload was altered to name another export', () => {
    const token = signDownloadToken({ exportId, expiresAt: inAnHour }, secret);
    const forged = Buffer.from(
      JSON.stringify({ e: 'f'.repeat(32), x: Math.floor(inAnHour.getTime() / 1000) }),
    ).toString('base64url');
    assert.deepEqual(verifyDownloadToken(`${forged}.${token.split('.')[1]}`, secret), {
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('says expired once the expiry has passed, and only then', () => {
    const token = signDownloadToken({ exportId, expiresAt: inAnHour }, secret);
    assert.equal(verifyDownloadToken(token, secret, new Date(inAnHour.getTime() - 2_000)).ok, true);
    assert.deepEqual(verifyDownloadToken(token, secret, new Date(inAnHour.getTime() + 1_000)), {
      ok: false,
      reason: 'expired',
    });
  });

  it('calls garbage malformed, including path-like tokens', () => {
    for (const token of ['', 'abc', '../../etc/passwd', 'a.b', `${'a'.repeat(600)}.${'b'.repeat(43)}`]) {
      assert.deepEqual(verifyDownloadToken(token, secret), { ok: false, reason: 'malformed' }, token);
    }
  });

  it('makes unguessable tokens: two exports never share a signature', () => {
    const a = signDownloadToken({ exportId, expiresAt: inAnHour }, secret);
    const b = signDownloadToken({ exportId: exportId.replace('0', '1'), expiresAt: inAnHour }, secret);
    assert.notEqual(a.split('.')[1], b.split('.')[1]);
    assert.equal(a.split('.')[1]!.length, 43);
  });
});
