import type { ActivityDeps } from '../activities';
import { connectDatabase } from '../db/connect';
import { createMailer } from '../mail/mailer';
import type { Settings } from '../settings';
import { createFileStores } from '../storage/stores';

/** Builds the database, mailer and file stores once per worker process. */
export function buildActivityDeps(settings: Settings): ActivityDeps & { close(): Promise<void> } {
  const database = connectDatabase(settings.databaseUrl);
  const readDatabase =
    database.dialect === 'sqlite' ? connectDatabase(settings.databaseUrl, { readonly: true }) : database;
  const mailer = createMailer(settings);
  return {
    settings,
    database,
    readDatabase,
    ...createFileStores(settings.dataDir),
    mailer,
    async close() {
      mailer.close();
      if (readDatabase !== database) await readDatabase.close();
      await database.close();
    },
  };
}
