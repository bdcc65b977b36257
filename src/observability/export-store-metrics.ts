import fs from 'node:fs';
import path from 'node:path';
import { Gauge } from 'prom-client';
import { workerMetrics } from './worker-metrics';

/** The nearest existing directory of `dir`: the store's own may not exist before the first export. */
function existingAncestor(dir: string): string {
  let current = path.resolve(dir);
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

let watched: string | undefined;

/**
 * Free and total bytes of the file system holding the export store, read at each scrape: an alert fires
 * before exports start failing with ENOSPC.
 */
export function watchExportStore(root: string): void {
  if (watched !== undefined) return;
  watched = root;
  const stats = async () => {
    const s = await fs.promises.statfs(existingAncestor(root));
    return { free: s.bavail * s.bsize, size: s.blocks * s.bsize };
  };
  new Gauge({
    name: 'mailroom_export_store_free_bytes',
    help: 'Bytes free for mailroom on the file system of the export store.',
    registers: [workerMetrics],
    async collect() {
      this.set((await stats()).free);
    },
  });
  new Gauge({
    name: 'mailroom_export_store_size_bytes',
    help: 'Size in bytes of the file system of the export store.',
    registers: [workerMetrics],
    async collect() {
      this.set((await stats()).size);
    },
  });
}
