import path from 'node:path';

/**
 * `<tenant>/<id>.csv` for a 128-bit hex id: keys are built from our own ids only, never from a request,
 * and refused if either part could name another directory.
 */
export function tenantFileKey(tenantId: string, id: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(tenantId) || !/^[a-f0-9]{32}$/.test(id)) {
    throw new Error(`unsafe file key ${tenantId}/${id}`);
  }
  return `${tenantId}/${id}.csv`;
}

/** Absolute path of a key under `root`; throws if the key would leave it. */
export function resolveUnder(root: string, fileKey: string): string {
  const base = path.resolve(root);
  const full = path.resolve(base, fileKey);
  if (!full.startsWith(base + path.sep)) throw new Error(`path escapes ${base}: ${fileKey}`);
  return full;
}
