import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** `deploy/versions.env`: the one place naming the versions compose pins and `go install` builds. */
export const VERSIONS_FILE = path.resolve(__dirname, '..', '..', 'deploy', 'versions.env');

/** `KEY=value` lines of deploy/versions.env, read when first needed (the Docker image has no deploy/). */
export function pinnedVersion(
  key: 'TEMPORAL_SERVER_VERSION' | 'TEMPORAL_UI_VERSION' | 'MAILPIT_VERSION' | 'TEMPORAL_CLI_VERSION',
): string {
  const text = fs.readFileSync(VERSIONS_FILE, 'utf8');
  const match = new RegExp(`^${key}=([\\w.-]+)\\s*$`, 'm').exec(text);
  if (!match) throw new Error(`${VERSIONS_FILE} names no ${key}`);
  return `v${match[1]!.replace(/^v/, '')}`;
}

/** A Go program built once per machine with `go install` into the user's cache, outside the clone. */
export interface GoTool {
  /** What the log line calls it. */
  title: string;
  /** Directory name under the cache, with the version: a new version builds beside the old one. */
  dir: string;
  version: string;
  /** Packages for `go install`, all from the module at `version`. */
  packages: string[];
  /** Binary `go install` writes → the name it gets in the cache. */
  binaries: Record<string, string>;
  /** Runs in the fresh build directory, e.g. to keep files the module ships beside the binaries. */
  afterBuild?: (dir: string, go: string, env: NodeJS.ProcessEnv) => void;
}

const cacheRoot = () => path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mailroom');

export function goToolDir(tool: GoTool): string {
  return path.join(cacheRoot(), tool.dir);
}

/** The temporal CLI: dev server, and `temporal operator` for the namespace step. */
export function temporalCliTool(): GoTool {
  // v1.5.1 is the newest CLI tag whose go.mod has no `replace` directive, which `go install` refuses.
  const version = pinnedVersion('TEMPORAL_CLI_VERSION');
  return {
    title: `the temporal CLI ${version}`,
    dir: `temporal-${version}`,
    version,
    packages: ['github.com/temporalio/cli/cmd/temporal'],
    binaries: { temporal: 'temporal' },
  };
}

/**
 * Temporal server and temporal-sql-tool, the versions compose runs, with the PostgreSQL schemas the module
 * ships (`schema/postgresql/v12`, which `deploy/temporal/setup-schema.sh` applies) copied beside them.
 */
export function temporalServerTool(): GoTool {
  const version = pinnedVersion('TEMPORAL_SERVER_VERSION');
  return {
    title: `the Temporal server and temporal-sql-tool ${version}`,
    dir: `temporal-server-${version}`,
    version,
    packages: ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql'],
    binaries: { server: 'temporal-server', sql: 'temporal-sql-tool' },
    afterBuild(dir, go, env) {
      const { Dir } = JSON.parse(
        execFileSync(go, ['mod', 'download', '-json', `go.temporal.io/server@${version}`], { env, encoding: 'utf8' }),
      ) as { Dir: string };
      fs.cpSync(path.join(Dir, 'schema', 'postgresql'), path.join(dir, 'schema', 'postgresql'), {
        recursive: true,
      });
      // The module cache is read-only; the copies need not be.
      execFileSync('chmod', ['-R', 'u+w', path.join(dir, 'schema')]);
    },
  };
}

/**
 * The Temporal Web UI server (the `temporalio/ui` image's server, assets embedded) with the module's
 * `config/docker.yaml`, the image's settings template (TEMPORAL_ADDRESS, TEMPORAL_UI_PORT…): run it as
 * `temporal-ui-server --root <dir> --env docker start`.
 */
export function temporalUiTool(): GoTool {
  const version = pinnedVersion('TEMPORAL_UI_VERSION');
  const module = 'github.com/temporalio/ui-server/v2';
  return {
    title: `the Temporal UI server ${version}`,
    dir: `temporal-ui-${version}`,
    version,
    packages: [`${module}/cmd/server`],
    binaries: { server: 'temporal-ui-server' },
    afterBuild(dir, go, env) {
      const { Dir } = JSON.parse(
        execFileSync(go, ['mod', 'download', '-json', `${module}@${version}`], { env, encoding: 'utf8' }),
      ) as { Dir: string };
      fs.mkdirSync(path.join(dir, 'config'));
      fs.copyFileSync(path.join(Dir, 'config', 'docker.yaml'), path.join(dir, 'config', 'docker.yaml'));
      fs.chmodSync(path.join(dir, 'config', 'docker.yaml'), 0o644);
    },
  };
}

/** Mailpit: SMTP catcher with a web page, standing in for the relay. */
export function mailpitTool(): GoTool {
  const version = pinnedVersion('MAILPIT_VERSION');
  return {
    title: `Mailpit ${version}`,
    dir: `mailpit-${version}`,
    version,
    packages: ['github.com/axllent/mailpit'],
    binaries: { mailpit: 'mailpit' },
  };
}

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

/** The tool's directory when every binary of it is cached. */
export function cachedGoTool(tool: GoTool): string | undefined {
  const dir = goToolDir(tool);
  return Object.values(tool.binaries).every((name) => fs.existsSync(path.join(dir, name))) ? dir : undefined;
}

/**
 * The tool's cache directory, building it first if needed (minutes, once per machine). The build goes to a
 * scratch directory renamed into place at the end, so an interrupted or concurrent build never leaves a
 * half-made cache. Returns undefined when there is no Go toolchain.
 */
export function ensureGoTool(tool: GoTool, log: (line: string) => void = () => {}): string | undefined {
  const cached = cachedGoTool(tool);
  if (cached) return cached;
  const go = onPath('go');
  if (!go) return undefined;
  const dir = goToolDir(tool);
  log(`building ${tool.title} with go install into ${dir} (first time only, a few minutes)…`);
  const scratch = `${dir}.building-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  const env = { ...process.env, GOBIN: scratch, GOFLAGS: '-mod=mod' };
  try {
    execFileSync(go, ['install', ...tool.packages.map((p) => `${p}@${tool.version}`)], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (const [built, name] of Object.entries(tool.binaries)) {
      if (built !== name) fs.renameSync(path.join(scratch, built), path.join(scratch, name));
    }
    tool.afterBuild?.(scratch, go, env);
    if (!cachedGoTool(tool)) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(scratch, dir);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
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
  const dir = ensureGoTool(temporalCliTool(), log);
  return dir && path.join(dir, 'temporal');
}
