import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/schema';
import type { ExportService } from '../services/exports';
import type { ImportService } from '../services/imports';
import type { LimitService } from '../services/limits';
import type { NewsletterService } from '../services/newsletters';
import type { ScheduleService } from '../services/schedules';
import type { SendService } from '../services/sends';
import type { TaskService } from '../services/tasks';
import type { Settings } from '../settings';
import type { FileStores } from '../storage/stores';

/** What the process builds once and hands to `createApp`. */
export interface ApiDeps {
  settings: Pick<
    Settings,
    | 'linkSecret'
    | 'publicBaseUrl'
    | 'linkTtlMs'
    | 'taskQueue'
    | 'bulkWorkers'
    | 'dataDir'
    | 'importMaxBytes'
    | 'sseHeartbeatMs'
    | 'emailRate'
    | 'sendBatchesPerRun'
    | 'limits'
    | 'appFrameAncestors'
  >;
  database: Database;
  temporal: Client;
  files: FileStores;
  logger: Logger;
}

/** The services the routes call; `createApp` builds them from the deps. */
export interface ApiServices {
  tasks: TaskService;
  limits: LimitService;
  exports: ExportService;
  imports: ImportService;
  sends: SendService;
  newsletters: NewsletterService;
  schedules: ScheduleService;
}
