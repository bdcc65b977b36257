import crypto from 'node:crypto';
import fs from 'node:fs';

/** What a file looked like when its hash was left: any write since changes its size, mtime or inode. */
interface Left {
  bytes: number;
  ino: bigint;
  mtimeNs: bigint;
  hash: crypto.Hash;
}

/** Files whose hash this process keeps; an abandoned export's entry goes when newer ones push it out. */
const MAX_FILES = 256;

/**
 * The sha256 of a file being written in chunks, carried from one chunk to the next in this process, so
 * publishing needs no second pass over the file. Node cannot save a hash's state, so the state lives only
 * here: a chunk that starts where this process's last one ended, on a file no one touched since, continues
 * the hash; any other start (a retry after a crash, a chunk that ran on another worker) hashes the kept
 * prefix from the file once, which reads what will not be written again.
 */
export class RunningHashes {
  private readonly left = new Map<string, Left>();

  /** A hash of the first `bytes` bytes of `file`, to continue with what comes next. */
  async resume(file: string, bytes: number): Promise<crypto.Hash> {
    const kept = await this.take(file, bytes);
    if (kept) return kept;
    const hash = crypto.createHash('sha256');
    if (bytes === 0) return hash;
    for await (const chunk of fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
    return hash;
  }

  /** Leaves `hash` (of all `bytes` of `file`, now synced) for the next chunk or the publish. */
  async leave(file: string, bytes: number, hash: crypto.Hash): Promise<void> {
    const stat = await fs.promises.stat(file, { bigint: true });
    if (Number(stat.size) !== bytes) return;
    this.left.delete(file);
    this.left.set(file, { bytes, ino: stat.ino, mtimeNs: stat.mtimeNs, hash });
    for (const oldest of this.left.keys()) {
      if (this.left.size <= MAX_FILES) break;
      this.left.delete(oldest);
    }
  }

  /** The hash left for `file` if it still describes it at `bytes`; removed either way. */
  async take(file: string, bytes: number): Promise<crypto.Hash | undefined> {
    const entry = this.left.get(file);
    this.left.delete(file);
    if (!entry || entry.bytes !== bytes) return undefined;
    const stat = await fs.promises.stat(file, { bigint: true }).catch(() => undefined);
    if (!stat || Number(stat.size) !== bytes || stat.ino !== entry.ino || stat.mtimeNs !== entry.mtimeNs)
      return undefined;
    return entry.hash;
  }

  forget(file: string): void {
    this.left.delete(file);
  }
}
