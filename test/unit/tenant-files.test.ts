import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveUnder, tenantFileKey } from '../../src/storage/tenant-files';

/**
 * The one path-safety check of export and import files (src/storage/tenant-files.ts): a key either
 * names a file strictly under the root, or is refused. Tried with what an attacker would send if a key
 * ever came from a request: `..`, absolute paths, encoded separators, NUL, and a sibling directory whose
 * name starts with the root's (`/data/exports-evil` next to `/data/exports`).
 */
const ROOT = path.join(os.tmpdir(), 'mailroom-files', 'exports');
const ID = '0123456789abcdef0123456789abcdef';

/** True when `full` is a file strictly inside ROOT (not ROOT itself, not a sibling, not above). */
function strictlyUnderRoot(full: string): boolean {
  const relative = path.relative(ROOT, full);
  return relative !== '' && !path.isAbsolute(relative) && relative.split(path.sep)[0] !== '..';
}

describe('resolveUnder: a key never leaves its root', () => {
  it('resolves an ordinary key to a file under the root, whatever the spelling of the root', () => {
    const expected = path.join(ROOT, 'acme', `${ID}.csv`);
    assert.equal(resolveUnder(ROOT, `acme/${ID}.csv`), expected);
    assert.equal(resolveUnder(`${ROOT}/`, `acme/${ID}.csv`), expected, 'a trailing slash on the root');
    assert.equal(resolveUnder(`${ROOT}/../exports`, `acme/${ID}.csv`), expected, 'a root spelled with ..');
    assert.equal(resolveUnder(path.relative(process.cwd(), ROOT), `acme/${ID}.csv`), expected, 'a relative root');
    assert.equal(resolveUnder(ROOT, `acme/./sub/../${ID}.csv`), expected, '.. that stays inside is fine');
  });

  it('refuses every key that climbs out of the root or names the root itself', () => {
    const sibling = `${path.basename(ROOT)}-evil`;
    for (const key of [
      '..',
      '../',
      '../x.csv',
      `../../${ID}.csv`,
      `acme/../../${ID}.csv`,
      `acme/../..`,
      'acme/../../../../../../../../etc/passwd',
      // A sibling whose name starts with the root's: a plain string prefix test would let it through.
      `../${sibling}/x.csv`,
      `acme/../../${sibling}/${ID}.csv`,
      `../${path.basename(ROOT)}x/x.csv`,
      // The root itself is not a file under it.
      '',
      '.',
      './',
      'acme/..',
    ]) {
      assert.throws(() => resolveUnder(ROOT, key), /path escapes/, `key ${JSON.stringify(key)}`);
    }
  });

  it('refuses absolute keys outside the root, including the sibling-prefix directory', () => {
    for (const key of [
      '/etc/passwd',
      '/',
      ROOT,
      `${ROOT}-evil/x.csv`,
      `${ROOT}evil`,
      `${path.dirname(ROOT)}/x.csv`,
      `//${ROOT}/../x.csv`,
    ]) {
      assert.throws(() => resolveUnder(ROOT, key), /path escapes/, `key ${JSON.stringify(key)}`);
    }
    // An absolute key inside the root does name a file under it: still inside, so allowed.
    assert.equal(resolveUnder(ROOT, `${ROOT}/acme/${ID}.csv`), path.join(ROOT, 'acme', `${ID}.csv`));
  });

  it('does not decode encoded separators: they stay literal characters of a name under the root', () => {
    for (const key of [
      '..%2f..%2fetc%2fpasswd',
      '%2e%2e/x.csv',
      '%2e%2e%2f%2e%2e%2f',
      '..%5c..%5cetc',
      '..\\..\\etc',
    ]) {
      const full = resolveUnder(ROOT, key);
      assert.ok(strictlyUnderRoot(full), `${JSON.stringify(key)} resolved to ${full}`);
      assert.equal(full, path.join(ROOT, key), `${JSON.stringify(key)} is taken literally`);
    }
  });

  it('keeps a key with a NUL byte under the root (and tenantFileKey never builds one)', () => {
    for (const key of ['acme/x.csv\0', `acme\0/../../x.csv`, `\0/../../../etc/passwd`, `../\0`]) {
      let full: string | undefined;
      try {
        full = resolveUnder(ROOT, key);
      } catch (error) {
        assert.match((error as Error).message, /path escapes/);
        continue;
      }
      assert.ok(strictlyUnderRoot(full), `${JSON.stringify(key)} resolved to ${JSON.stringify(full)}`);
    }
    assert.throws(() => tenantFileKey('acme\0', ID));
    assert.throws(() => tenantFileKey('acme', `${ID.slice(1)}\0`));
  });

  it('never returns a path outside the root, for any mix of hostile segments', () => {
    const segments = ['..', '.', '', 'acme', '%2e%2e', '..%2f', '\0', `${path.basename(ROOT)}-evil`, ROOT, '/'];
    // A fixed pseudo-random walk (xorshift), so every run tries the same keys.
    let seed = 0x9e3779b9;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    let refused = 0;
    for (let i = 0; i < 5_000; i++) {
      const length = 1 + Math.floor(next() * 6);
      const key = Array.from({ length }, () => segments[Math.floor(next() * segments.length)]).join('/');
      let full: string;
      try {
        full = resolveUnder(ROOT, key);
      } catch {
        refused++;
        continue;
      }
      assert.ok(strictlyUnderRoot(full), `${JSON.stringify(key)} resolved to ${JSON.stringify(full)}`);
    }
    assert.ok(refused > 100, `the walk tried escaping keys (${refused} refused)`);
  });
});

describe('tenantFileKey: keys are built from our own ids only', () => {
  it('builds <tenant>/<id>.csv for a lowercase tenant slug and a 128-bit hex id', () => {
    assert.equal(tenantFileKey('acme', ID), `acme/${ID}.csv`);
    assert.equal(tenantFileKey('demo-2', ID), `demo-2/${ID}.csv`);
    assert.equal(tenantFileKey('0', 'f'.repeat(32)), `0/${'f'.repeat(32)}.csv`);
    assert.equal(resolveUnder(ROOT, tenantFileKey('acme', ID)), path.join(ROOT, 'acme', `${ID}.csv`));
  });

  it('refuses a tenant that could name another directory or file', () => {
    for (const tenant of [
      '',
      '.',
      '..',
      '../acme',
      'acme/..',
      'acme/x',
      'acme\\x',
      '/acme',
      'acme/',
      '-acme',
      'Acme',
      'acme.',
      'acme\n',
      '\nacme',
      'acme\0',
      '%2e%2e',
      'acme%2f..',
      'ａcme',
      ' acme',
    ]) {
      assert.throws(() => tenantFileKey(tenant, ID), /unsafe file key/, `tenant ${JSON.stringify(tenant)}`);
    }
  });

  it('refuses an id that is not exactly 32 lowercase hex digits', () => {
    for (const id of [
      '',
      ID.slice(1),
      `${ID}0`,
      ID.toUpperCase(),
      'g'.repeat(32),
      `../${ID.slice(3)}`,
      `${ID.slice(0, 16)}/${ID.slice(17)}`,
      `${ID.slice(1)}\n`,
      `${ID}\n`,
      `${ID.slice(1)}\0`,
      `${ID}.csv`,
      `${'0'.repeat(30)}..`,
    ]) {
      assert.throws(() => tenantFileKey('acme', id), /unsafe file key/, `id ${JSON.stringify(id)}`);
    }
  });
});
