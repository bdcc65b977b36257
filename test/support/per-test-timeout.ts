/**
 * Preloaded into every test file's process by test/run.ts (`--import`): gives each test and each hook
 * that does not set its own `timeout` one of MAILROOM_TEST_TIMEOUT_MS (default 5 minutes), so a hung
 * test fails with "test timed out" instead of hanging CI.
 *
 * Why not only `--test-timeout`: before Node 24 that flag bounds each test *file* as a whole (and is
 * ignored inside the file), so it cannot tell a hung test from a long file. test/run.ts still passes it,
 * as a bound on each file.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

const timeoutMs = Number(process.env.MAILROOM_TEST_TIMEOUT_MS ?? 5 * 60_000);
const nodeTest = createRequire(`${process.cwd()}/`)('node:test') as Record<string, unknown>;

type Fn = (...args: unknown[]) => unknown;

/**
 * `fn` with `{ timeout }` added to its options unless they name one: tests take
 * `(name?, options?, body?)`, hooks `(body?, options?)`.
 */
function withDefaultTimeout(fn: Fn, kind: 'test' | 'hook'): Fn {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const at = args.findIndex((arg) => typeof arg === 'object' && arg !== null);
    if (at >= 0) {
      const options = args[at] as { timeout?: number };
      if (options.timeout === undefined) args[at] = { ...options, timeout: timeoutMs };
    } else if (kind === 'hook') {
      args[0] ??= undefined;
      args.splice(1, 0, { timeout: timeoutMs });
    } else {
      const body = args.findIndex((arg) => typeof arg === 'function');
      args.splice(body >= 0 ? body : args.length, 0, { timeout: timeoutMs });
    }
    return fn.apply(this, args);
  };
  // it.skip, it.todo and it.only keep working (with the timeout too); other properties are copied.
  for (const key of Object.keys(fn)) {
    const value = (fn as unknown as Record<string, unknown>)[key];
    (wrapped as unknown as Record<string, unknown>)[key] =
      ['skip', 'todo', 'only'].includes(key) && typeof value === 'function'
        ? withDefaultTimeout(value as Fn, kind)
        : value;
  }
  return wrapped;
}

if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
  for (const name of ['test', 'it', 'before', 'after', 'beforeEach', 'afterEach']) {
    const kind = name === 'test' || name === 'it' ? 'test' : 'hook';
    if (typeof nodeTest[name] === 'function') nodeTest[name] = withDefaultTimeout(nodeTest[name] as Fn, kind);
  }
  // Files compiled to ES modules read the builtin's named exports: bring them up to date.
  syncBuiltinESMExports();
}
