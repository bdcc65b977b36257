import crypto from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { findNewsletter } from '../db/queries/newsletters';
import {
  deleteOwnSchedule,
  findOwnSchedule,
  insertSchedule,
  listOwnSchedules,
  updateOwnSchedule,
} from '../db/queries/schedules';
import { now, type DatabaseSchema, type ScheduleTable } from '../db/schema';
import { shortestGapMs, toScheduleSpec } from '../schedules/spec';
import {
  TASK_PRIORITY,
  workflowIds,
  TaskKindKey,
  TenantIdKey,
  UserIdKey,
  type ExportNewsletterStatsInput,
  type TaskOwner,
} from '../shared/contracts';
import type { Settings, TenantLimits } from '../settings';
import { exportNewsletterStats } from '../workflows/export-newsletter-stats';
import type { ScheduleList, ScheduleView } from '../shared/views';
import type { Caller } from './caller';
import { InvalidField, NotFound, ScheduleMissing, ScheduleRunInProgress } from './errors';
import type { LimitService } from './limits';
import { fairnessDetails } from './tasks';
import { decodePageCursor, encodePageCursor } from './page-cursor';

/** What a schedule runs and when: exactly one of `cron` and `every`. */
export interface ScheduleDefinition {
  action: { type: 'export'; newsletterId: number };
  cron?: string;
  every?: string;
  timezone?: string;
}

/** Changes what is given; `cron` replaces an `every` and the other way round; `timezone: null` means UTC. */
export interface ScheduleChange {
  action?: ScheduleDefinition['action'];
  cron?: string;
  every?: string;
  timezone?: string | null;
}

/**
 * After an outage, runs missed by up to this long still happen (one, since overlap is SKIP); older ones
 * are dropped: an export nobody asked for hours ago is not worth a burst of emails.
 */
const CATCHUP_WINDOW = '1 hour';

/** The caller's recurring tasks: a `schedules` row for ownership, a Temporal schedule for the timing. */
export class ScheduleService {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly temporal: Client,
    private readonly limits: LimitService,
    private readonly settings: Pick<Settings, 'taskQueue' | 'linkTtlMs'>,
  ) {}

  /** The row first, then the schedule: a crash in between leaves a visible MISSING row, never a hidden schedule. */
  async create(owner: Caller, body: ScheduleDefinition): Promise<ScheduleView> {
    const limits = await this.limits.of(owner.tenantId);
    checkSpacing(body, limits);
    const subject = await this.newsletterSubject(owner, body.action.newsletterId);
    await this.limits.checkScheduleCount(owner.tenantId, limits);
    const at = now();
    const row: ScheduleTable = {
      id: `sched-${crypto.randomBytes(8).toString('hex')}`,
      tenant_id: owner.tenantId,
      user_id: owner.userId,
      action_type: 'export',
      newsletter_id: body.action.newsletterId,
      cron: body.cron ?? null,
      every: body.every ?? null,
      timezone: body.timezone ?? null,
      created_at: at,
      updated_at: at,
    };
    await insertSchedule(this.db, row);
    try {
      await this.temporal.schedule.create({
        scheduleId: row.id,
        ...this.definition(row, owner, subject, limits),
        memo: { tenantId: owner.tenantId, userId: owner.userId, userEmail: owner.email, kind: 'export' },
      });
    } catch (error) {
      await deleteOwnSchedule(this.db, owner, row.id);
      throw specRefusal(error, row);
    }
    return this.view(row);
  }

  async get(owner: TaskOwner, id: string): Promise<ScheduleView> {
    return this.view(await this.own(owner, id));
  }

  async list(owner: TaskOwner, query: { limit: number; cursor?: string }): Promise<ScheduleList> {
    const before = query.cursor ? decodePageCursor(query.cursor) : undefined;
    const rows = await listOwnSchedules(this.db, owner, { limit: query.limit, before });
    const items = await Promise.all(rows.map((row) => this.view(row)));
    const last = rows[rows.length - 1];
    return rows.length === query.limit && last ? { items, next: encodePageCursor(last) } : { items };
  }

  /** Temporal first: a spec the server refuses leaves the stored schedule as it was. */
  async update(owner: Caller, id: string, patch: ScheduleChange): Promise<ScheduleView> {
    const current = await this.own(owner, id);
    const recurrence =
      patch.cron !== undefined
        ? { cron: patch.cron, every: null }
        : patch.every !== undefined
          ? { cron: null, every: patch.every }
          : {};
    const next: ScheduleTable = {
      ...current,
      ...recurrence,
      newsletter_id: patch.action?.newsletterId ?? current.newsletter_id,
      timezone: patch.timezone === undefined ? current.timezone : patch.timezone,
      updated_at: now(),
    };
    const limits = await this.limits.of(owner.tenantId);
    if (patch.cron !== undefined || patch.every !== undefined) checkSpacing(patch, limits);
    const subject = await this.newsletterSubject(owner, next.newsletter_id);
    const definition = this.definition(next, owner, subject, limits);
    try {
      await this.temporal.schedule.getHandle(id).update((described) => ({
        ...definition,
        state: {
          paused: described.state.paused,
          note: described.state.note,
          remainingActions: described.state.remainingActions,
        },
      }));
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) missingSchedule(error);
      throw specRefusal(error, next);
    }
    await updateOwnSchedule(this.db, owner, id, next);
    return this.view(next);
  }

  /** Stops future runs; a run already going finishes. */
  async remove(owner: TaskOwner, id: string): Promise<void> {
    await this.own(owner, id);
    await this.temporal.schedule
      .getHandle(id)
      .delete()
      .catch((error) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
    await deleteOwnSchedule(this.db, owner, id);
  }

  /** The note shows in the Web UI and in the schedule's view. */
  async pause(owner: Caller, id: string, note?: string): Promise<void> {
    await this.own(owner, id);
    await this.temporal.schedule
      .getHandle(id)
      .pause(note ?? `paused by ${owner.email}`)
      .catch(missingSchedule);
  }

  async unpause(owner: Caller, id: string): Promise<void> {
    await this.own(owner, id);
    await this.temporal.schedule.getHandle(id).unpause(`resumed by ${owner.email}`).catch(missingSchedule);
  }

  /** One run now, paused or not; refused while a run is going, as the schedule's overlap policy would. */
  async trigger(owner: TaskOwner, id: string): Promise<void> {
    await this.own(owner, id);
    const handle = this.temporal.schedule.getHandle(id);
    const described = await handle.describe().catch(missingSchedule);
    if (described.info.runningActions.length > 0) {
      throw new ScheduleRunInProgress();
    }
    await handle.trigger('SKIP').catch(missingSchedule);
  }

  private async own(owner: TaskOwner, id: string): Promise<ScheduleTable> {
    const row = await findOwnSchedule(this.db, owner, id);
    if (!row) throw new NotFound('schedule');
    return row;
  }

  private async newsletterSubject(owner: TaskOwner, newsletterId: number): Promise<string> {
    const newsletter = await findNewsletter(this.db, owner.tenantId, newsletterId);
    if (!newsletter) throw new NotFound('newsletter');
    return newsletter.subject;
  }

  /** Everything Temporal needs to start each run as an ordinary export of the owner's. */
  private definition(
    row: ScheduleTable,
    owner: Caller,
    subject: string,
    limits: TenantLimits,
  ): Omit<ScheduleOptions, 'scheduleId'> {
    const input: ExportNewsletterStatsInput = {
      tenantId: row.tenant_id,
      userId: row.user_id,
      newsletterId: row.newsletter_id,
      linkTtlMs: this.settings.linkTtlMs,
      scheduleId: row.id,
    };
    const searchAttributes = [
      { key: TenantIdKey, value: row.tenant_id },
      { key: UserIdKey, value: row.user_id },
      { key: TaskKindKey, value: 'export' },
    ];
    return {
      spec: toScheduleSpec({
        cron: row.cron ?? undefined,
        every: row.every ?? undefined,
        timezone: row.timezone ?? undefined,
      }),
      action: {
        type: 'startWorkflow',
        workflowType: exportNewsletterStats,
        taskQueue: this.settings.taskQueue,
        workflowId: workflowIds.export(row.tenant_id, row.newsletter_id, row.id),
        args: [input],
        typedSearchAttributes: searchAttributes,
        staticSummary: `Scheduled export of "${subject}" (newsletter ${row.newsletter_id}) for ${owner.email}, schedule ${row.id}`,
        staticDetails: fairnessDetails(row.tenant_id, limits.fairnessWeight, TASK_PRIORITY.export),
        // Runs are dispatched like the owner's other exports. The SDK's option type omits `priority`,
        // though it sends it (schedule-helpers compiles it): hence the spread of a plain object.
        ...{
          priority: {
            priorityKey: TASK_PRIORITY.export,
            fairnessKey: row.tenant_id,
            fairnessWeight: limits.fairnessWeight,
          },
        },
      },
      policies: { overlap: 'SKIP', catchupWindow: CATCHUP_WINDOW },
      // Operators find a tenant's or a user's schedules in the Web UI by these.
      typedSearchAttributes: searchAttributes,
    };
  }

  private async view(row: ScheduleTable): Promise<ScheduleView> {
    const base = {
      id: row.id,
      action: { type: row.action_type, newsletterId: row.newsletter_id },
      ...(row.cron !== null ? { cron: row.cron } : {}),
      ...(row.every !== null ? { every: row.every } : {}),
      timezone: row.timezone ?? 'UTC',
    };
    const stamps = { createdAt: row.created_at, updatedAt: row.updated_at, links: { self: `/v1/schedules/${row.id}` } };
    let described: ScheduleDescription;
    try {
      described = await this.temporal.schedule.getHandle(row.id).describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return { ...base, status: 'MISSING', recentRuns: [], ...stamps };
      throw error;
    }
    const paused = described.state.paused;
    const nextRunAt = paused ? undefined : described.info.nextActionTimes[0]?.toISOString();
    return {
      ...base,
      status: paused ? 'PAUSED' : 'ACTIVE',
      ...(described.state.note ? { note: described.state.note } : {}),
      ...(nextRunAt ? { nextRunAt } : {}),
      recentRuns: described.info.recentActions
        .map((run) => ({
          taskId: run.action.workflow.workflowId,
          scheduledAt: run.scheduledAt.toISOString(),
          startedAt: run.takenAt.toISOString(),
        }))
        .reverse(),
      ...stamps,
    };
  }
}

/** A recurrence that fires more often than the tenant's minimum is the client's 400, naming its field. */
function checkSpacing(recurrence: { cron?: string; every?: string }, limits: TenantLimits): void {
  const gap = shortestGapMs(recurrence);
  if (gap >= limits.minScheduleIntervalMs) return;
  const field = recurrence.cron !== undefined ? 'cron' : 'every';
  const minutes = Math.ceil(limits.minScheduleIntervalMs / 60_000);
  throw new InvalidField(
    field,
    `runs must be at least ${minutes} minutes apart; this one runs every ${Math.round(gap / 1000)} s at times`,
  );
}

/** Temporal checks a spec again when it is written; what it refuses is the client's 400, not our 500. */
function specRefusal(error: unknown, row: ScheduleTable): unknown {
  if (!(error instanceof TypeError)) return error;
  const field = /time ?zone/i.test(error.message) ? 'timezone' : row.cron !== null ? 'cron' : 'every';
  return new InvalidField(field, `refused by the scheduler: ${error.message}`);
}

/** The row is there but an operator removed the Temporal schedule. */
function missingSchedule(error: unknown): never {
  if (error instanceof ScheduleNotFoundError) throw new ScheduleMissing();
  throw error;
}
