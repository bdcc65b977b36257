import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RunningHashes } from './running-hashes';
import { resolveUnder, tenantFileKey } from './tenant-files';

/**
 * Export files under one root: `<tenant>/<exportId>.csv`, written first as `.csv.part`. Keys come from
 * our own ids, never from a request, and every resolution is checked to stay under the root.
 */
export class ExportFiles {
  /** The sha256 of each file this process is writing, carried from chunk to chunk. */
  readonly hashes = new RunningHashes();

  constructor(readonly root: string) {}

  static newExportId(): string {
    return crypto.randomBytes(16).toString('hex');
  }

  fileKey(tenantId: string, exportId: string): string {
    return tenantFileKey(tenantId, exportId);
  }

  /** Absolute path of a key; throws if the key would leave the root. */
  resolve(fileKey: string): string {
    return resolveUnder(this.root, fileKey);
  }

  partPath(fileKey: string): string {
    return `${this.resolve(fileKey)}.part`;
  }

  async ensureDirFor(fileKey: string): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.resolve(fileKey)), { recursive: true });
  }

  async sha256(fileKey: string): Promise<{ sha256: string; bytes: number }> {
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    for await (const chunk of fs.createReadStream(this.resolve(fileKey))) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), bytes };
  }

  async remove(fileKey: string): Promise<void> {
    await fs.promises.rm(this.resolve(fileKey), { force: true });
    await fs.promises.rm(this.partPath(fileKey), { force: true });
  }
}
