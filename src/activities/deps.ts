import type { Database } from '../db/schema';
import type { Mailer } from '../mail/mailer';
import type { Settings } from '../settings';
import type { FileStores } from '../storage/stores';

/** What the worker builds once and injects into every activity family. */
export interface ActivityDeps extends FileStores {
  settings: Pick<Settings, 'publicBaseUrl' | 'linkSecret' | 'mailFrom' | 'dataDir' | 'emailRate' | 'limits'>;
  database: Database;
  /** A separate connection for long reads (read-only on SQLite), so exports never block writers. */
  readDatabase: Database;
  mailer: Mailer;
}
