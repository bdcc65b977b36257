import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/schema';
import type { Settings } from '../settings';
import type { ExportFiles } from '../storage/export-files';

export interface ApiDeps {
  settings: Pick<
    Settings,
    'linkSecret' | 'linkTtlMs' | 'taskQueue' | 'dataDir' | 'importMaxBytes' | 'sseHeartbeatMs' | 'emailRate'
  >;
  database: Database;
  temporal: Client;
  files: ExportFiles;
  logger: Logger;
}
