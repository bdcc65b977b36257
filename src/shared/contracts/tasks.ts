import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Default task queue of workflows and of every activity that does not open an SMTP connection. */
export const DEFAULT_TASK_QUEUE = 'mailroom';
/** Activities that open SMTP connections run on `${taskQueue}-email`, so their rate can be bounded apart. */
export const emailTaskQueue = (taskQueue: string): string => `${taskQueue}-email`;
/**
 * Large exports write their chunks on `${taskQueue}-bulk`, served by few slots per worker: one tenant's big
 * files cannot fill the worker while another tenant's small task waits for its turn on the event loop.
 * With MAILROOM_BULK_WORKERS=separate, large exports and sends run there whole, workflow included, in
 * `mailroom worker --bulk` processes; their emails then go to `${taskQueue}-bulk-email`.
 */
export const bulkTaskQueue = (taskQueue: string): string => `${taskQueue}-bulk`;
/** The queue a workflow on `queue` belongs to: its own, or the one whose bulk queue it is. */
export const mainTaskQueue = (queue: string): string => queue.replace(/-bulk$/, '');
/** Exports of more rows than this write on the bulk queue. */
export const BULK_EXPORT_ROWS = 1_000;
/** Sends to more recipients than this run on the bulk queue when bulk workers are separate. */
export const BULK_SEND_RECIPIENTS = 1_000;

export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const UserIdKey = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const TaskKindKey = defineSearchAttributeKey('TaskKind', SearchAttributeType.KEYWORD);
/** Set by Temporal on every run a schedule starts: the time the run was due, not when it began. */
export const ScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
/** Registered on the dev server with `--search-attribute NAME=Keyword`. */
export const CUSTOM_SEARCH_ATTRIBUTES = [TenantIdKey.name, UserIdKey.name, TaskKindKey.name] as const;

/** What a user can start; each is one workflow type. */
export const TASK_KINDS = ['export', 'send', 'import'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
/** TaskKind of the built-in schedules' workflows, which belong to no user. */
export type MaintenanceKind = 'purge' | 'digest';

/** A task's status as users read it: Temporal's execution statuses, CANCELLED spelled as the API does. */
export const TASK_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Progress {
  phase: string;
  done: number;
  total: number;
}

/** Every workflow answers it; the API reads it for `GET /v1/tasks/{id}` and its event stream. */
export const progressQuery = defineQuery<Progress>('progress');
/** A running send stops handing batches to SMTP until `resumeSignal`. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

/**
 * Temporal task-queue priority keys (1 runs first … 5): a user's click never waits behind a campaign.
 * Within a key, dispatch is shared fairly between tenants (the fairness key is the tenant id).
 */
export const PRIORITY = {
  /** Exports, imports, and the emails that carry a link or a summary. */
  interactive: 2,
  /** Send workflows themselves, maintenance. */
  standard: 3,
  /** A campaign's delivery batches. */
  campaign: 4,
} as const;

/** Each kind's workflow priority; its activities inherit it unless they say otherwise. */
export const TASK_PRIORITY: Record<TaskKind, number> = {
  export: PRIORITY.interactive,
  import: PRIORITY.interactive,
  send: PRIORITY.standard,
};

/**
 * How a task ended, as its workflow says in its last step (the notification): mailroom keeps it, so a
 * finished task reads the same while Temporal is unreachable. TERMINATED and TIMED_OUT, where no workflow
 * code runs, are recorded by whoever first sees them.
 */
export interface TaskOutcome {
  status: Exclude<TaskStatus, 'RUNNING'>;
  progress: Progress;
  result?: unknown;
  error?: { code: string; message: string };
}

/** Who asked: every task belongs to one user of one tenant. */
export interface TaskOwner {
  tenantId: string;
  userId: string;
}

/**
 * Workflow ids name the task: the same request key gives the same id, which makes starts idempotent. A
 * user schedule passes its id as the key; Temporal appends `-<RFC 3339 time>` for each run.
 */
export const workflowIds = {
  export: (tenantId: string, newsletterId: number, requestKey: string) =>
    `export-${tenantId}-${newsletterId}-${requestKey}`,
  send: (tenantId: string, newsletterId: number) => `send-${tenantId}-${newsletterId}`,
  import: (tenantId: string, requestKey: string) => `import-${tenantId}-${requestKey}`,
};

/** Failure types that no retry can fix; listed in the activities' `nonRetryableErrorTypes`. */
export const ErrorType = {
  NewsletterNotFound: 'NewsletterNotFound',
  InvalidRecipient: 'InvalidRecipient',
  ExportFileMissing: 'ExportFileMissing',
  ImportFileMissing: 'ImportFileMissing',
  ImportFileMalformed: 'ImportFileMalformed',
  SenderNotVerified: 'SenderNotVerified',
} as const;
export const NON_RETRYABLE_ERROR_TYPES = Object.values(ErrorType);
