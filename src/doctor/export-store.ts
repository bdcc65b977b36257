import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../settings';
import { fail, guarded, pass, type CheckResult } from './check';

/** The same threshold as the MailroomExportStoreNearlyFull alert. */
export const MIN_FREE_RATIO = 0.1;

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** The export store accepts a file, and its file system has room for more. */
export function checkExportStore(settings: Settings): Promise<CheckResult> {
  const root = path.join(settings.dataDir, 'exports');
  const name = 'export store';
  return guarded(name, `make ${root} a writable directory (MAILROOM_DATA_DIR)`, async () => {
    await fs.promises.mkdir(root, { recursive: true });
    const probe = path.join(root, `.doctor-${crypto.randomBytes(4).toString('hex')}`);
    await fs.promises.writeFile(probe, 'probe');
    await fs.promises.rm(probe);
    const stats = await fs.promises.statfs(root);
    const free = stats.bavail * stats.bsize;
    const size = stats.blocks * stats.bsize;
    const ratio = size > 0 ? free / size : 0;
    const detail = `${root} writable, ${gib(free)} free of ${gib(size)} (${Math.round(ratio * 100)}%)`;
    return ratio >= MIN_FREE_RATIO
      ? pass(name, detail)
      : fail(name, detail, 'grow the volume, or shorten LINK_TTL so expired exports are purged sooner');
  });
}
