import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveUnder, tenantFileKey } from './tenant-files';

export interface ReceivedUpload {
  fileKey: string;
  bytes: number;
  sha256: string;
}

/** Thrown while receiving when the body passes the limit; the partial file is already removed. */
export class UploadTooLarge extends Error {
  override name = 'UploadTooLarge';
  constructor(readonly limit: number) {
    super(`the upload is larger than ${limit} bytes`);
  }
}

/**
 * Uploaded CSV files under one root shared by API and workers: `<tenant>/<uploadId>.csv`, written as
 * `.part` and renamed when complete. Keys come from our own ids, and every resolution stays under the root.
 */
export class ImportFiles {
  constructor(readonly root: string) {}

  fileKey(tenantId: string, uploadId: string): string {
    return tenantFileKey(tenantId, uploadId);
  }

  /** Absolute path of a key; throws if the key would leave the root. */
  resolve(fileKey: string): string {
    return resolveUnder(this.root, fileKey);
  }

  /**
   * Streams a request body to a new file, never holding more than one chunk in memory, and stops as soon
   * as it passes `maxBytes` (UploadTooLarge; the limit, size and hash are of the bytes received). The file
   * appears under its key only once complete.
   */
  async receive(
    tenantId: string,
    body: Readable,
    maxBytes: number,
    /** Turns the body into the stored text (e.g. its charset into UTF-8); its error refuses the upload. */
    decode?: () => Transform,
  ): Promise<ReceivedUpload> {
    const fileKey = this.fileKey(tenantId, crypto.randomBytes(16).toString('hex'));
    const final = this.resolve(fileKey);
    const part = `${final}.part`;
    await fs.promises.mkdir(path.dirname(final), { recursive: true });
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) return callback(new UploadTooLarge(maxBytes));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    // Opened before streaming, so the file exists for certain when the clean-up below removes it.
    const out = fs.createWriteStream(part, { fd: await fs.promises.open(part, 'wx') });
    try {
      // The body is not destroyed on failure: the API still answers 413 on the same connection.
      const source = body.iterator({ destroyOnReturn: false });
      await (decode ? pipeline(source, meter, decode(), out) : pipeline(source, meter, out));
      await fs.promises.rename(part, final);
    } catch (error) {
      await fs.promises.rm(part, { force: true });
      throw error;
    }
    return { fileKey, bytes, sha256: hash.digest('hex') };
  }

  async exists(fileKey: string): Promise<boolean> {
    return fs.promises.access(this.resolve(fileKey)).then(
      () => true,
      () => false,
    );
  }

  async remove(fileKey: string): Promise<void> {
    await fs.promises.rm(this.resolve(fileKey), { force: true });
  }
}
