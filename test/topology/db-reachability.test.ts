import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnreachable } from '../../src/db/reachability';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** What the API answers 503 (not 500) for while PostgreSQL restarts: the chaos test meets these for real. */
describe('isDatabaseUnreachable', () => {
  it('is true for a refused or cut connection and for a server shutting down or starting', () => {
    assert.ok(isDatabaseUnreachable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')));
    assert.ok(isDatabaseUnreachable(new Error('Connection terminated unexpectedly')));
    assert.ok(isDatabaseUnreachable(withCode('terminating connection due to administrator command', '57P01')));
    assert.ok(isDatabaseUnreachable(withCode('the database system is starting up', '57P03')));
    assert.ok(isDatabaseUnreachable(withCode('connection failure', '08006')));
    assert.ok(isDatabaseUnreachable(new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') })));
  });

  it('is false for a statement the database refused, and for anything else', () => {
    assert.equal(isDatabaseUnreachable(withCode('duplicate key value violates unique constraint', '23505')), false);
    assert.equal(isDatabaseUnreachable(withCode('syntax error', '42601')), false);
    assert.equal(isDatabaseUnreachable(new Error('boom')), false);
    assert.equal(isDatabaseUnreachable(undefined), false);
  });
});
