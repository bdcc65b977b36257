import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** Newest CLI tag whose go.mod has no `replace` directive, which `go install` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

const cacheDir = () =>
  path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'mailroom',
    `temporal-${TEMPORAL_CLI_VERSION}`,
  );

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Finds the `temporal` CLI in DESIGN.md's order: TEMPORAL_CLI_PATH, PATH, the cache, else builds it with
 * `go install` into the cache (minutes, once per machine: the cache lives outside the clone). Returns
 * undefined when none of these works, so the caller can fall back to the SDK's download.
 */
export function findTemporalCli(log: (line: string) => void = () => {}): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH points to a missing file: ${explicit}`);
    return explicit;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = path.join(cacheDir(), 'temporal');
  if (fs.existsSync(cached)) return cached;
  const go = onPath('go');
  if (!go) return undefined;
  log(
    `building the temporal CLI ${TEMPORAL_CLI_VERSION} with go install into ${cacheDir()} (first time only, a few minutes)…`,
  );
  fs.mkdirSync(cacheDir(), { recursive: true });
  execFileSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: cacheDir(), GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return cached;
}
