/**
 * Preloaded into every test file's process by test/run.ts (`--import`): gives each test and each hook
 * that does not set its own `timeout` one of MAILROOM_TEST_TIMEOUT_MS (default 5 minutes), so a hung
 * test fails with "test timed out" instead of hanging CI.
 *
 * Why not only `--test-timeout`: before Node 24 that flag bounds each test *file* as a whole (and is
 * ignored inside the file), so it cannot tell a hung test from a long file. test/run.ts still passes it,
 * as a bound on each file.
 *
 * Plain JavaScript on purpose: Node passes `--import` on to worker threads (Temporal's workflow threads
 * among them), where no TypeScript loader runs.
 */
import { syncBuiltinESMExports } from 'node:module';
import process from 'node:process';
import nodeTest from 'node:test';

const timeoutMs = Number(process.env.MAILROOM_TEST_TIMEOUT_MS ?? 5 * 60_000);

/**
 * `fn` with `{ timeout }` added to its options unless they name one: tests take
 * `(name?, options?, body?)`, hooks `(body?, options?)`.
 */
function withDefaultTimeout(fn, kind) {
  const wrapped = function (...args) {
    const at = args.findIndex((arg) => typeof arg === 'object' && arg !== null);
    if (at >= 0) {
      if (args[at].timeout === undefined) args[at] = { ...args[at], timeout: timeoutMs };
    } else if (kind === 'hook') {
      args.splice(1, 0, { timeout: timeoutMs });
    } else {
      const body = args.findIndex((arg) => typeof arg === 'function');
      args.splice(body >= 0 ? body : args.length, 0, { timeout: timeoutMs });
    }
    return fn.apply(this, args);
  };
  // it.skip, it.todo and it.only keep working (with the timeout too); other properties are copied.
  for (const key of Object.keys(fn)) {
    wrapped[key] =
      ['skip', 'todo', 'only'].includes(key) && typeof fn[key] === 'function'
        ? withDefaultTimeout(fn[key], kind)
        : fn[key];
  }
  return wrapped;
}

if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
  for (const name of ['test', 'it', 'before', 'after', 'beforeEach', 'afterEach']) {
    const kind = name === 'test' || name === 'it' ? 'test' : 'hook';
    if (typeof nodeTest[name] === 'function') nodeTest[name] = withDefaultTimeout(nodeTest[name], kind);
  }
  // Files compiled to ES modules read the builtin's named exports: bring them up to date.
  syncBuiltinESMExports();
}
