import { deleteExpiredExport, findExpiredExports } from '../db/queries/expired-exports';
import { now } from '../db/schema';
import type { ActivityDeps } from './deps';

export const createPurgeActivities = ({ database, exportFiles: files }: ActivityDeps) => ({
  /**
   * Deletes up to `limit` expired exports, file first and row second: a crash in between leaves a row
   * whose file is gone, which the next attempt finishes, never a file nobody can find again.
   */
  async purgeExpiredExportsBatch(input: { limit: number }): Promise<{ found: number; deleted: number }> {
    const at = now();
    const expired = await findExpiredExports(database.db, at, input.limit);
    let deleted = 0;
    for (const row of expired) {
      await files.remove(row.file_key);
      if (await deleteExpiredExport(database.db, row.id, at)) deleted += 1;
    }
    return { found: expired.length, deleted };
  },
});

export type PurgeActivities = ReturnType<typeof createPurgeActivities>;
