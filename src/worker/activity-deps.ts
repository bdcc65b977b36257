import path from 'node:path';
import type { ActivityDeps } from '../activities';
import { connectDatabase } from '../db/connect';
import { createMailer } from '../mail/mailer';
import type { Settings } from '../settings';
import { ExportFiles } from '../storage/export-files';

/** Builds the database, mailer and file store once per worker process. */
export function buildActivityDeps(settings: Settings): ActivityDeps & { close(): Promise<void> } {
  const database = connectDatabase(settings.databaseUrl);
  const readDatabase =
    database.dialect === 'sqlite' ? connectDatabase(settings.databaseUrl, { readonly: true }) : database;
  const mailer = createMailer(settings);
  return {
    settings,
    database,
    readDatabase,
    files: new ExportFiles(exportsDir(settings)),
    mailer,
    async close() {
      mailer.close();
      if (readDatabase !== database) await readDatabase.close();
      await database.close();
    },
  };
}

export const exportsDir = (settings: Pick<Settings, 'dataDir'>) => path.join(settings.dataDir, 'exports');
