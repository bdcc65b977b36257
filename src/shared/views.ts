import { z } from 'zod';
import {
  TASK_KINDS,
  TASK_STATUSES,
  type ExportNewsletterStatsResult,
  type ImportContactsResult,
  type Progress as ProgressContract,
  type SendNewsletterResult,
} from './contracts';

/**
 * What the services return and the API answers, declared once as zod schemas: the types are inferred from
 * them, the API's OpenAPI description is generated from them, and tests hold real answers against them.
 * Kept out of `contracts.ts` so zod never enters the workflow bundle.
 */

export const TaskKind = z.enum(TASK_KINDS);
export const TaskStatus = z.enum(TASK_STATUSES);

export const Progress = z
  .object({ phase: z.string(), done: z.number().int().min(0), total: z.number().int().min(0) })
  .meta({ id: 'Progress' }) satisfies z.ZodType<ProgressContract>;

const TaskLinks = z.object({ self: z.string() });

export const ExportResult = z
  .object({
    exportId: z.string(),
    rows: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    downloadUrl: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'ExportResult' }) satisfies z.ZodType<ExportNewsletterStatsResult>;

export const ImportResult = z
  .object({
    rows: z.number().int().describe('data rows read (the header and empty lines excluded)'),
    imported: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    invalid: z.number().int(),
    invalidRows: z
      .array(z.object({ line: z.number().int(), reason: z.string() }))
      .max(100)
      .describe('the first invalid rows'),
  })
  .meta({ id: 'ImportResult' }) satisfies z.ZodType<ImportContactsResult>;

export const SendResult = z
  .object({
    newsletterId: z.number().int(),
    total: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    resent: z.number().int(),
    cancelled: z.number().int(),
  })
  .meta({ id: 'SendResult' }) satisfies z.ZodType<SendNewsletterResult>;

export const TaskView = z
  .object({
    taskId: z.string(),
    kind: TaskKind,
    status: TaskStatus,
    progress: Progress,
    result: z
      .union([ExportResult, ImportResult, SendResult])
      .optional()
      .describe('once COMPLETED; its shape follows the kind'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .describe('once FAILED, CANCELED, TERMINATED or TIMED_OUT'),
    startedAt: z.string(),
    closedAt: z.string().optional(),
    live: z
      .literal(false)
      .optional()
      .describe('present when Temporal could not be reached: the task is open by our record, its progress unknown'),
    links: TaskLinks,
  })
  .meta({ id: 'Task' });
export type TaskView = z.infer<typeof TaskView>;

export const TaskList = z.object({ items: z.array(TaskView), next: z.string().optional() }).meta({ id: 'TaskList' });
export type TaskList = z.infer<typeof TaskList>;

/** `sched-` and 16 hex digits; anything else is answered like an unknown schedule. */
export const SCHEDULE_ID = /^sched-[0-9a-f]{16}$/;

export const ScheduleAction = z.strictObject({
  type: z.literal('export'),
  newsletterId: z.number().int().positive().max(2_147_483_647),
});

export const ScheduleView = z
  .object({
    id: z.string().regex(SCHEDULE_ID),
    action: ScheduleAction,
    cron: z.string().optional().describe('5-field crontab; exactly one of cron and every is present'),
    every: z.string().optional().describe('interval such as "15m"'),
    timezone: z.string().describe('IANA zone of the crontab; UTC unless given'),
    status: z
      .enum(['ACTIVE', 'PAUSED', 'MISSING'])
      .describe('MISSING: removed from Temporal by an operator; only DELETE remains'),
    note: z.string().optional().describe('why it was paused or resumed'),
    nextRunAt: z.string().optional().describe('absent while paused'),
    recentRuns: z
      .array(z.object({ taskId: z.string(), scheduledAt: z.string(), startedAt: z.string() }))
      .describe('latest first; each run is a task of GET /v1/tasks/{taskId}'),
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: 'Schedule' });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ScheduleList = z
  .object({ items: z.array(ScheduleView), next: z.string().optional() })
  .meta({ id: 'ScheduleList' });
export type ScheduleList = z.infer<typeof ScheduleList>;
