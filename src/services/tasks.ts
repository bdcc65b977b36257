import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes, type Workflow } from '@temporalio/common';
import { addNotification } from '../db/queries/notifications';
import {
  countOpenTasks,
  deleteTask,
  findOwnTask,
  findTaskByIdempotencyKey,
  listOpenTaskIds,
  listOwnTasks,
  markTaskClosed,
  recordTaskProgress,
  recordTaskWithin,
} from '../db/queries/tasks';
import { now, type Database, type TaskTable } from '../db/schema';
import {
  bulkTaskQueue,
  ErrorType,
  TASK_PRIORITY,
  TaskKindKey,
  TenantIdKey,
  UserIdKey,
  type ExportNewsletterStatsResult,
  type TaskKind,
  type TaskOwner,
  type TaskOutcome,
  type TaskStatus,
} from '../shared/contracts';
import { rootCause } from '../shared/failures';
import type { Settings, TenantLimits } from '../settings';
import { exportDownloadUrl } from '../storage/download-links';
import { isTemporalUnreachable, TEMPORAL_DEADLINE_MS } from '../temporal/reachability';
import type { TaskList, TaskView } from '../shared/views';
import { failureReason } from '../workflows/failure-reason';
import { DependencyUnavailable, IdempotencyConflict, LimitExceeded, NotFound, TaskAlreadyClosed } from './errors';
import { TASK_LIMIT, type LimitService } from './limits';
import { BackgroundReads, type OpenTaskReads } from './open-task-reads';
import { decodePageCursor, encodePageCursor } from './page-cursor';
import { furthestProgress, recordedProgress } from './recorded-progress';
import {
  CLOSED_WITHOUT_FAILURE,
  finishedProgress,
  liveProgress,
  queryProgress,
  toTaskStatus,
  visibleStatuses,
} from './task-status';

/** How long one task's live read (its status, then its progress query) may take in all. */
const LIVE_READ_MS = 3_000;

/** One task to start: the workflow function itself types its arguments. */
export interface TaskStart<W extends Workflow> {
  owner: TaskOwner;
  kind: TaskKind;
  workflow: W;
  /** Builds the workflow id from a request key: the idempotency key's hash, or random. */
  workflowId: (requestKey: string) => string;
  args: Parameters<W>;
  /** What the request asked for, compared when an idempotency key is reused. */
  request: unknown;
  idempotencyKey?: string;
  summary: string;
  /** A large export or send: with separate bulk workers it runs whole on the bulk queue. */
  large?: boolean;
}

export interface StartedTask {
  task: TaskTable;
  /** False when an Idempotency-Key found the task an earlier request started. */
  created: boolean;
}

/** Starts, finds and describes the workflows behind the API's tasks. */
export class TaskService {
  private readonly db: Database['db'];
  /** The listing's reads of open tasks in Temporal, in the background. */
  private readonly openStatuses = new BackgroundReads((open) => this.reconcileOpen(open));

  constructor(
    private readonly database: Database,
    private readonly temporal: Client,
    private readonly limits: LimitService,
    private readonly settings: Pick<Settings, 'taskQueue' | 'bulkWorkers' | 'publicBaseUrl' | 'linkSecret'>,
  ) {
    this.db = database.db;
  }

  /**
   * Starts a task once per idempotency key: the same key and request give the same task, the same key
   * with another request is an IdempotencyConflict. The ownership row is written before the workflow
   * starts, so every workflow is visible to its owner, and only while the tenant is within its limit of
   * open tasks of that kind (LimitExceeded). The workflow carries the tenant as its fairness key.
   */
  async start<W extends Workflow>(start: TaskStart<W>): Promise<StartedTask> {
    const requestHash = crypto
      .createHash('sha256')
      .update(JSON.stringify([start.kind, start.request]))
      .digest('hex');
    const requestKey = start.idempotencyKey
      ? crypto.createHash('sha256').update(`${start.owner.userId}\n${start.idempotencyKey}`).digest('hex').slice(0, 20)
      : crypto.randomBytes(10).toString('hex');
    const task: TaskTable = {
      id: start.workflowId(requestKey),
      tenant_id: start.owner.tenantId,
      user_id: start.owner.userId,
      kind: start.kind,
      idempotency_key: start.idempotencyKey ?? null,
      request_hash: requestHash,
      created_at: now(),
    };
    if (start.idempotencyKey) {
      const existing = await findTaskByIdempotencyKey(this.db, start.owner, start.idempotencyKey);
      if (existing) return { task: sameRequest(existing, requestHash), created: false };
    }
    const limits = await this.limits.of(start.owner.tenantId);
    if (!(await this.recordWithinLimit(task, limits[TASK_LIMIT[start.kind]]))) {
      // A concurrent request with the same key (or id) recorded its task first: that one is the task.
      const winner =
        (start.idempotencyKey && (await findTaskByIdempotencyKey(this.db, start.owner, start.idempotencyKey))) ||
        (await findOwnTask(this.db, start.owner, task.id));
      if (winner) return { task: sameRequest(winner, requestHash), created: false };
      throw new Error(`task ${task.id} could not be recorded`);
    }
    try {
      await this.withDeadline(() => this.startWorkflow(start, task.id, limits));
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        await deleteTask(this.db, task.id);
        if (isTemporalUnreachable(error)) throw new DependencyUnavailable('Temporal', 5);
        throw error;
      }
    }
    return { task, created: true };
  }

  /** The workflow start itself: the workflow function types its arguments; the tenant is its fairness key. */
  private async startWorkflow<W extends Workflow>(start: TaskStart<W>, workflowId: string, limits: TenantLimits) {
    const { taskQueue, bulkWorkers } = this.settings;
    await this.temporal.workflow.start<Workflow>(start.workflow, {
      taskQueue: start.large && bulkWorkers === 'separate' ? bulkTaskQueue(taskQueue) : taskQueue,
      workflowId,
      args: start.args,
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: new TypedSearchAttributes([
        { key: TenantIdKey, value: start.owner.tenantId },
        { key: UserIdKey, value: start.owner.userId },
        { key: TaskKindKey, value: start.kind },
      ]),
      staticSummary: start.summary,
      priority: {
        priorityKey: TASK_PRIORITY[start.kind],
        fairnessKey: start.owner.tenantId,
        fairnessWeight: limits.fairnessWeight,
      },
      staticDetails: fairnessDetails(start.owner.tenantId, limits.fairnessWeight, TASK_PRIORITY[start.kind]),
    });
  }

  /**
   * Records the task if its tenant has fewer open tasks of the kind than `max`. At the limit, tasks whose
   * close went unrecorded (a crash before their last notification) are checked in Temporal once first.
   */
  private async recordWithinLimit(task: TaskTable, max: number): Promise<boolean> {
    // A tenant at its limit (a flood's usual answer) is told so from reads alone: on SQLite a write would
    // wait for the workers' writes, and make them wait, for every refused POST.
    const atLimit = async () => (await countOpenTasks(this.db, task.tenant_id, task.kind)) >= max;
    if (!(await atLimit())) {
      const first = await recordTaskWithin(this.database, task, max);
      if (first !== 'full') return first === 'recorded';
    }
    const ids = await listOpenTaskIds(this.db, task.tenant_id, task.kind);
    const closed = await Promise.all(
      ids.map(async (id) => {
        const description = await this.handle(id)
          .describe()
          .catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return undefined;
            throw error;
          });
        if (description && toTaskStatus(description.status.name) === 'RUNNING') return false;
        await markTaskClosed(this.db, id);
        return true;
      }),
    );
    // Nothing closed and no key that a concurrent request may have recorded: still full, nothing written.
    if (closed.includes(true) || task.idempotency_key) {
      const second = await recordTaskWithin(this.database, task, max);
      if (second !== 'full') return second === 'recorded';
    }
    throw new LimitExceeded(
      TASK_LIMIT[task.kind],
      max,
      30,
      `this tenant already has ${max} ${task.kind} task${max === 1 ? '' : 's'} running or queued, its limit; ` +
        'try again when one has finished',
    );
  }

  /** The caller's task row: NotFound for another user's, exactly as for an unknown id. */
  async own(owner: TaskOwner, taskId: string): Promise<TaskTable> {
    const task = await findOwnTask(this.db, owner, taskId);
    if (!task) throw new NotFound('task');
    return task;
  }

  async get(owner: TaskOwner, taskId: string): Promise<TaskView> {
    return this.view(await this.own(owner, taskId));
  }

  async list(
    owner: TaskOwner,
    query: { limit: number; kind?: TaskKind; status?: TaskStatus; cursor?: string },
  ): Promise<TaskList> {
    const before = query.cursor ? decodePageCursor(query.cursor) : undefined;
    const rows = await listOwnTasks(this.db, owner, { limit: query.limit, kind: query.kind, before });
    const open = rows.filter((row) => !row.outcome);
    const live = open.length === 0 ? undefined : this.openStatuses.seen(owner, open);
    const views = await Promise.all(rows.map((row) => this.listed(row, live)));
    const items = query.status ? views.filter((view) => view.status === query.status) : views;
    const last = rows[rows.length - 1];
    return rows.length === query.limit && last ? { items, next: encodePageCursor(last) } : { items };
  }

  /**
   * A task as the listing shows it, from mailroom's own record only: a finished task's outcome, an open
   * one's last recorded progress. The listing never waits for Temporal; whether Temporal answered its
   * last background read says if the figures are live.
   */
  private async listed(task: TaskTable, live: OpenTaskReads | undefined): Promise<TaskView> {
    if (task.outcome) return this.view(task);
    const unreachable = live === 'unreachable';
    const progress = task.progress
      ? (JSON.parse(task.progress) as TaskView['progress'])
      : { phase: unreachable ? 'unknown' : 'running', done: 0, total: 0 };
    return { ...this.base(task), status: 'RUNNING', ...(unreachable ? { live: false as const } : {}), progress };
  }

  /**
   * In the background, after a listing: the open tasks' statuses in one visibility read; a task that has
   * closed without its outcome recorded (terminated, timed out) is read from Temporal once, like a single
   * read, which records its outcome for the next listing.
   */
  private async reconcileOpen(open: TaskTable[]): Promise<OpenTaskReads> {
    let statuses: Map<string, TaskStatus>;
    try {
      statuses = await visibleStatuses(
        this.temporal,
        open.map((task) => task.id),
        TEMPORAL_DEADLINE_MS,
      );
    } catch (error) {
      // Visibility refused the read (not an outage): the next listing tries again.
      if (isTemporalUnreachable(error)) return 'unreachable';
      throw error;
    }
    for (const task of open) {
      const status = statuses.get(task.id);
      if (status && status !== 'RUNNING') await this.view(task).catch(() => undefined);
    }
    return 'answered';
  }

  /**
   * Asks the workflow to stop: it cleans up (partial files) and notifies its owner itself. NotFound for a
   * task that is not the caller's, TaskAlreadyClosed for one that has already closed.
   */
  async cancel(owner: TaskOwner, taskId: string): Promise<void> {
    const task = await this.own(owner, taskId);
    // Closed as its owner reads it: the outcome is recorded just before the workflow itself completes.
    if (task.closed_at) throw new TaskAlreadyClosed('cancel');
    const handle = this.handle(task.id);
    const description = await this.withDeadline(() => handle.describe()).catch((error: unknown) => {
      if (isTemporalUnreachable(error)) throw error;
      return undefined;
    });
    if (description && toTaskStatus(description.status.name) !== 'RUNNING') throw new TaskAlreadyClosed('cancel');
    try {
      await this.withDeadline(() => handle.cancel());
    } catch (error) {
      // Closed between the describe and the cancel.
      if (error instanceof WorkflowNotFoundError) throw new TaskAlreadyClosed('cancel');
      throw error;
    }
  }

  /** An export's result as its owner reads it: the signed link is minted now, never kept in the history. */
  private withDownloadUrl(result: unknown): TaskView['result'] {
    const exported = result as Partial<ExportNewsletterStatsResult> | undefined;
    if (!exported?.exportId || !exported.expiresAt) return result as TaskView['result'];
    const downloadUrl = exportDownloadUrl(this.settings, exported.exportId, exported.expiresAt);
    return { ...(result as ExportNewsletterStatsResult), downloadUrl };
  }

  /** A call to Temporal that gives up after TEMPORAL_DEADLINE_MS: the API answers 503 rather than hang. */
  withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, fn);
  }

  handle(taskId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(taskId);
  }

  private base(task: TaskTable) {
    return { taskId: task.id, kind: task.kind, startedAt: task.created_at, links: { self: `/v1/tasks/${task.id}` } };
  }

  private async view(task: TaskTable): Promise<TaskView> {
    const base = this.base(task);
    // A finished task reads from mailroom's own record: the same answer while Temporal is down.
    if (task.outcome) return this.fromOutcome(base, task.closed_at, JSON.parse(task.outcome) as TaskOutcome);
    const handle = this.handle(task.id);
    // The describe and the query share one budget: a read answers within it even while Temporal goes down.
    const liveUntil = Date.now() + LIVE_READ_MS;
    let description;
    try {
      description = await handle.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => handle.describe());
    } catch (error) {
      if (isTemporalUnreachable(error)) {
        // Open by our record, but nothing live can be read: said as such rather than guessed.
        return { ...base, status: 'RUNNING', live: false, progress: { phase: 'unknown', done: 0, total: 0 } };
      }
      // Recorded but not (yet) visible in Temporal: a start in flight.
      return { ...base, status: 'RUNNING', progress: { phase: 'starting', done: 0, total: 0 } };
    }
    const status = toTaskStatus(description.status.name);
    if (status === 'RUNNING') {
      const queried = await liveProgress(handle, liveUntil);
      // Ahead of the query when a running activity records its own progress (an export's chunk); without an
      // answer in time (a busy bulk worker, Temporal going down), the progress the task's row keeps.
      const progress = queried ? furthestProgress(queried, task.progress) : recordedProgress(task.progress);
      // Kept for the listing; a lost write only leaves it an older figure.
      const seen = progress && JSON.stringify(progress);
      if (seen && seen !== task.progress) await recordTaskProgress(this.db, task.id, progress).catch(() => undefined);
      return { ...base, status, progress: progress ?? { phase: 'queued', done: 0, total: 0 } };
    }
    // Closed without its outcome recorded: terminated or timed out (no workflow code ran), or a task of an
    // earlier release. Recorded now, once, with the task's one notification where no workflow wrote it.
    const outcome = await this.closedOutcome(handle, status);
    await markTaskClosed(this.db, task.id, outcome);
    const predicate = CLOSED_WITHOUT_FAILURE[status];
    if (status === 'TERMINATED' || status === 'TIMED_OUT') {
      await addNotification(this.db, {
        tenantId: task.tenant_id,
        userId: task.user_id,
        taskId: task.id,
        kind: task.kind,
        message: `Your ${task.kind} task ${predicate}.`,
      });
    }
    return this.fromOutcome(base, description.closeTime?.toISOString() ?? null, outcome);
  }

  private fromOutcome(
    base: Omit<TaskView, 'status' | 'progress'>,
    closedAt: string | null | undefined,
    outcome: TaskOutcome,
  ): TaskView {
    return {
      ...base,
      status: outcome.status,
      ...(closedAt ? { closedAt } : {}),
      progress: outcome.progress,
      ...(outcome.result === undefined ? {} : { result: this.withDownloadUrl(outcome.result) }),
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  }

  /** How a closed workflow ended, read from Temporal. */
  private async closedOutcome(handle: WorkflowHandle, status: Exclude<TaskStatus, 'RUNNING'>): Promise<TaskOutcome> {
    try {
      const result: unknown = await handle.result();
      return { status, progress: finishedProgress(result as TaskView['result']), result };
    } catch (error) {
      const cause = (error instanceof WorkflowFailedError ? rootCause(error) : undefined) as
        { type?: string; message?: string } | undefined;
      const predicate = CLOSED_WITHOUT_FAILURE[status];
      // A reason in words: the failure's own text (paths, SQL, stacks) stays in the logs and in Temporal.
      const message = predicate
        ? `the task ${predicate}`
        : cause?.type === ErrorType.ImportFileMalformed && cause.message
          ? cause.message
          : failureReason(error);
      return {
        status,
        error: { code: cause?.type ?? status.toLowerCase(), message },
        progress: await queryProgress(handle, status.toLowerCase()),
      };
    }
  }
}

/** Shown in the Web UI beside the summary: how the task is dispatched against other tenants' work. */
export function fairnessDetails(tenantId: string, weight: number, priorityKey: number): string {
  return `Fairness key ${tenantId} (weight ${weight}), priority ${priorityKey} (1 runs first, 5 last)`;
}

function sameRequest(existing: TaskTable, requestHash: string): TaskTable {
  if (existing.request_hash !== requestHash) throw new IdempotencyConflict();
  return existing;
}
