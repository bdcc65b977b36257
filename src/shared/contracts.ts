/**
 * What the API, the workflows and the activities must agree on. Imported by workflow code, so it holds
 * types and plain constants only: nothing with side effects, no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Default task queue of workflows and of every activity that does not open an SMTP connection. */
export const DEFAULT_TASK_QUEUE = 'mailroom';
/** Activities that open SMTP connections run on `${taskQueue}-email`, so their rate can be bounded apart. */
export const emailTaskQueue = (taskQueue: string): string => `${taskQueue}-email`;

export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const UserIdKey = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const TaskKindKey = defineSearchAttributeKey('TaskKind', SearchAttributeType.KEYWORD);
/** Registered on the dev server with `--search-attribute NAME=Keyword`. */
export const CUSTOM_SEARCH_ATTRIBUTES = [TenantIdKey.name, UserIdKey.name, TaskKindKey.name] as const;

export type TaskKind = 'export' | 'send' | 'import';

export interface Progress {
  phase: string;
  done: number;
  total: number;
}
export const PROGRESS_QUERY = 'progress';

/** Who asked: every task belongs to one user of one tenant. */
export interface TaskOwner {
  tenantId: string;
  userId: string;
}

export interface ExportNewsletterStatsInput extends TaskOwner {
  newsletterId: number;
  /** How long the emailed link stays valid; the API passes `LINK_TTL`. */
  linkTtlMs: number;
  /** Rows per activity call: the workflow's progress moves at this grain. */
  chunkRows?: number;
  /** Set when a user schedule starts the export: the run then records itself as the owner's task. */
  scheduleId?: string;
}

export interface ExportNewsletterStatsResult {
  exportId: string;
  rows: number;
  bytes: number;
  sha256: string;
  downloadUrl: string;
  expiresAt: string;
}

/** Where an export stands between activity calls: enough to resume, never the rows themselves. */
export interface ExportCursor {
  /** Rows are written in contact id order; the next chunk starts after this id. */
  afterContactId: number;
  rows: number;
  /** Length of the partial file holding exactly `rows` rows (and the header). */
  bytes: number;
}

export interface ImportContactsInput extends TaskOwner {
  /** The uploaded CSV, relative to the shared store's `imports/` root (the API wrote it there). */
  fileKey: string;
  /** Rows per activity call: the workflow's progress moves at this grain. */
  chunkRows?: number;
}

/** An invalid row of an import, as the user reads it. */
export interface InvalidImportRow {
  line: number;
  reason: string;
}

export interface ImportContactsResult {
  /** Data rows read (the header, if any, and empty lines excluded). */
  rows: number;
  /** Valid rows applied: created + updated. */
  imported: number;
  created: number;
  updated: number;
  invalid: number;
  /** The first invalid rows, at most `MAX_REPORTED_INVALID_ROWS`. */
  invalidRows: InvalidImportRow[];
}
export const MAX_REPORTED_INVALID_ROWS = 100;

/** Where an import stands: enough to resume after the last committed batch, never the rows themselves. */
export interface ImportCursor extends Omit<ImportContactsResult, 'imported'> {
  /** Offset in the file just after the last committed record. */
  bytes: number;
  /** Line number of the last committed record's last line. */
  line: number;
  /** Column of each field, decided once from the first record (header or not). */
  columns?: { email: number; firstName?: number; lastName?: number };
}

/** Failure types that no retry can fix; listed in the activities' `nonRetryableErrorTypes`. */
export const ErrorType = {
  NewsletterNotFound: 'NewsletterNotFound',
  InvalidRecipient: 'InvalidRecipient',
  ExportFileMissing: 'ExportFileMissing',
  ImportFileMissing: 'ImportFileMissing',
  ImportFileMalformed: 'ImportFileMalformed',
} as const;
export const NON_RETRYABLE_ERROR_TYPES = Object.values(ErrorType);

/** Input of the hourly built-in `purgeExpiredExports`. */
export interface PurgeExpiredExportsInput {
  /** Expired exports deleted per activity call. */
  batchSize?: number;
}

/** Input of the built-in `dailyDigest`: "yesterday" is the day before the run's start in this zone. */
export interface DailyDigestInput {
  timezone: string;
  /** Tenants handled per listing activity call. */
  batchSize?: number;
}

/** TaskKind of the built-in schedules' workflows, which belong to no user. */
export type MaintenanceKind = 'purge' | 'digest';

/** Schedule ids read `sched-<hex>`; Temporal appends `-<RFC 3339 time>` to this prefix for each run. */
export const scheduledExportWorkflowIdPrefix = (tenantId: string, newsletterId: number, scheduleId: string) =>
  `export-${tenantId}-${newsletterId}-${scheduleId}`;

export const workflowIds = {
  export: (tenantId: string, newsletterId: number, requestKey: string) =>
    `export-${tenantId}-${newsletterId}-${requestKey}`,
  send: (tenantId: string, newsletterId: number) => `send-${tenantId}-${newsletterId}`,
  import: (tenantId: string, requestKey: string) => `import-${tenantId}-${requestKey}`,
};

export interface SendNewsletterInput extends TaskOwner {
  newsletterId: number;
  /** Deliveries per activity: the grain of the rate limiter's reservations and of crash resends. */
  batchSize: number;
  /** Batches in flight at once. */
  concurrency: number;
}

export interface SendCounts {
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries whose fate a crash left unknown, sent again with their original Message-ID. */
  resent: number;
}

export interface SendNewsletterResult extends SendCounts {
  newsletterId: number;
  cancelled: number;
  total: number;
}

/** A slice of a send's deliveries, by contact id, inclusive: what one batch activity sends. */
export interface ContactRange {
  from: number;
  to: number;
}

export const PAUSE_SIGNAL = 'pause';
export const RESUME_SIGNAL = 'resume';
