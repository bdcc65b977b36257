import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { findOwnTask, findTaskByIdempotencyKey, listOwnTasks, recordTask } from '../db/queries/tasks';
import { addNotification } from '../db/queries/notifications';
import { now, type DatabaseSchema, type TaskTable } from '../db/schema';
import { HttpError, notFound } from '../api/errors';
import {
  progressQuery,
  TaskKindKey,
  TenantIdKey,
  UserIdKey,
  type Progress,
  type TaskKind,
  type TaskOwner,
} from '../shared/contracts';
import { decodePageCursor, encodePageCursor } from './page-cursor';

export type TaskStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'TERMINATED' | 'TIMED_OUT';

export interface TaskView {
  taskId: string;
  kind: string;
  status: TaskStatus;
  progress: Progress;
  result?: unknown;
  error?: { code: string; message: string };
  startedAt: string;
  closedAt?: string;
  links: { self: string };
}

export interface TaskStart<A extends unknown[]> {
  owner: TaskOwner;
  kind: TaskKind;
  workflowType: string;
  /** Builds the workflow id from a request key: the idempotency key's hash, or random. */
  workflowId: (requestKey: string) => string;
  args: A;
  /** What the request asked for, compared when an idempotency key is reused. */
  request: unknown;
  idempotencyKey?: string;
  summary: string;
}

/** Starts, finds and describes the workflows behind the API's tasks. */
export class TaskService {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts a task once per idempotency key: the same key and request give the same task, the same key
   * with another request is 422. The ownership row is written before the workflow starts, so every
   * workflow is visible to its owner.
   */
  async start<A extends unknown[]>(start: TaskStart<A>): Promise<{ task: TaskTable; created: boolean }> {
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
      if (existing) return { task: this.sameRequest(existing, requestHash), created: false };
    }
    await recordTask(this.db, task);
    const recorded = await findOwnTask(this.db, start.owner, task.id);
    if (!recorded) {
      // Lost a race on the idempotency key with a different request.
      const winner =
        start.idempotencyKey && (await findTaskByIdempotencyKey(this.db, start.owner, start.idempotencyKey));
      if (winner) return { task: this.sameRequest(winner, requestHash), created: false };
      throw new Error(`task ${task.id} could not be recorded`);
    }
    try {
      await this.temporal.workflow.start(start.workflowType, {
        taskQueue: this.taskQueue,
        workflowId: task.id,
        args: start.args,
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: new TypedSearchAttributes([
          { key: TenantIdKey, value: start.owner.tenantId },
          { key: UserIdKey, value: start.owner.userId },
          { key: TaskKindKey, value: start.kind },
        ]),
        staticSummary: start.summary,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        if (recorded.created_at === task.created_at)
          await this.db.deleteFrom('tasks').where('id', '=', task.id).execute();
        throw error;
      }
    }
    return { task: recorded, created: recorded.created_at === task.created_at };
  }

  private sameRequest(existing: TaskTable, requestHash: string): TaskTable {
    if (existing.request_hash !== requestHash) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request',
      );
    }
    return existing;
  }

  async get(owner: TaskOwner, taskId: string): Promise<TaskView> {
    const task = await findOwnTask(this.db, owner, taskId);
    if (!task) throw notFound('task');
    return this.view(task);
  }

  async list(
    owner: TaskOwner,
    query: { limit: number; kind?: string; status?: TaskStatus; cursor?: string },
  ): Promise<{ items: TaskView[]; next?: string }> {
    const before = query.cursor ? decodePageCursor(query.cursor) : undefined;
    const rows = await listOwnTasks(this.db, owner, { limit: query.limit, kind: query.kind, before });
    const views = await Promise.all(rows.map((row) => this.view(row)));
    const items = query.status ? views.filter((view) => view.status === query.status) : views;
    const last = rows[rows.length - 1];
    return rows.length === query.limit && last ? { items, next: encodePageCursor(last) } : { items };
  }

  /**
   * Asks the workflow to stop: it cleans up (partial files) and notifies its owner itself. 404 for a task
   * that is not the caller's, 409 for one that has already closed.
   */
  async cancel(owner: TaskOwner, taskId: string): Promise<void> {
    const task = await findOwnTask(this.db, owner, taskId);
    if (!task) throw notFound('task');
    const handle = this.handle(task.id);
    const closed = () =>
      new HttpError(409, 'task_closed', 'this task has already finished; there is nothing to cancel');
    const description = await handle.describe().catch(() => undefined);
    if (description && toTaskStatus(description.status.name) !== 'RUNNING') throw closed();
    try {
      await handle.cancel();
    } catch (error) {
      // Closed between the describe and the cancel.
      if (error instanceof WorkflowNotFoundError) throw closed();
      throw error;
    }
  }

  handle(taskId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(taskId);
  }

  private async view(task: TaskTable): Promise<TaskView> {
    const handle = this.handle(task.id);
    const base = {
      taskId: task.id,
      kind: task.kind,
      startedAt: task.created_at,
      links: { self: `/v1/tasks/${task.id}` },
    };
    let description;
    try {
      description = await handle.describe();
    } catch {
      // Recorded but not (yet) visible in Temporal: a start in flight.
      return { ...base, status: 'RUNNING', progress: { phase: 'starting', done: 0, total: 0 } };
    }
    const status = toTaskStatus(description.status.name);
    const closedAt = description.closeTime?.toISOString();
    if (status === 'RUNNING') {
      return { ...base, status, progress: await queryProgress(handle) };
    }
    try {
      const result = (await handle.result()) as { rows?: number } | undefined;
      const done = typeof result?.rows === 'number' ? result.rows : 0;
      return { ...base, status, closedAt, result, progress: { phase: 'done', done, total: done } };
    } catch (error) {
      const cause = (error instanceof WorkflowFailedError ? (error.cause?.cause ?? error.cause) : undefined) as
        { type?: string; message?: string } | undefined;
      const code = cause?.type ?? status.toLowerCase();
      const predicate = CLOSED_WITHOUT_FAILURE[status];
      const message = predicate ? `the task ${predicate}` : (cause?.message ?? (error as Error).message);
      if (status === 'TERMINATED' || status === 'TIMED_OUT') {
        // No workflow code ran to say so: the task's one notification is written here, once.
        await addNotification(this.db, {
          tenantId: task.tenant_id,
          userId: task.user_id,
          taskId: task.id,
          kind: task.kind,
          message: `Your ${task.kind} task ${predicate}.`,
        });
      }
      return {
        ...base,
        status,
        closedAt,
        error: { code, message },
        progress: await queryProgress(handle, status.toLowerCase()),
      };
    }
  }
}

/** How a task that did not fail on its own reads to its owner. */
const CLOSED_WITHOUT_FAILURE: Partial<Record<TaskStatus, string>> = {
  CANCELED: 'was cancelled',
  TERMINATED: 'was stopped by an operator',
  TIMED_OUT: 'ran out of time before it could finish',
};

function toTaskStatus(name: string): TaskStatus {
  switch (name) {
    case 'COMPLETED':
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return name;
    case 'CANCELLED':
      return 'CANCELED';
    default:
      return 'RUNNING';
  }
}

/** The workflow's own progress; a closed workflow's query needs a worker, so it may time out. */
async function queryProgress(handle: WorkflowHandle, fallbackPhase = 'queued'): Promise<Progress> {
  const fallback: Progress = { phase: fallbackPhase, done: 0, total: 0 };
  // A deadline on the call itself, not a race: an unanswered query must not linger and be retried.
  return handle.client.withDeadline(Date.now() + 3_000, () => handle.query(progressQuery)).catch(() => fallback);
}
