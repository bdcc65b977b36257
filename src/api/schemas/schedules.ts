import { z } from 'zod';
import { cronProblem, intervalMs, isTimeZone, normaliseCron } from '../../schedules/spec';

/**
 * Messages of `/v1/schedules`. As in `../schemas.ts`, each schema validates, types and (later) documents
 * its route; every refusal names the field, so a malformed crontab is a 400 about `cron`.
 */
export const Cron = z
  .string()
  .max(200)
  .superRefine((text, ctx) => {
    const problem = cronProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normaliseCron);

export const Every = z
  .string()
  .max(20)
  .refine(
    (text) => intervalMs(text) !== undefined,
    'expected a whole number and a unit s, m, h or d, at most a year, e.g. "30s", "15m", "2h", "1d"',
  );

export const TimeZone = z.string().max(64).refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris or UTC');

export const ScheduleAction = z.strictObject({
  type: z.literal('export'),
  newsletterId: z.number().int().positive().max(2_147_483_647),
});

const bothOrNeither = (body: { cron?: string; every?: string }, ctx: z.RefinementCtx, required: boolean) => {
  if (body.cron !== undefined && body.every !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['every'], message: 'give either cron or every, not both' });
  } else if (required && body.cron === undefined && body.every === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['cron'],
      message: 'give either cron (a 5-field crontab such as "0 8 * * MON") or every (an interval such as "15m")',
    });
  }
};

export const ScheduleCreate = z
  .strictObject({
    action: ScheduleAction,
    cron: Cron.optional(),
    every: Every.optional(),
    timezone: TimeZone.optional(),
  })
  .superRefine((body, ctx) => bothOrNeither(body, ctx, true));

/** Changes what is given; `cron` replaces an `every` and the other way round; `timezone: null` means UTC. */
export const SchedulePatch = z
  .strictObject({
    action: ScheduleAction.optional(),
    cron: Cron.optional(),
    every: Every.optional(),
    timezone: TimeZone.nullable().optional(),
  })
  .superRefine((body, ctx) => {
    bothOrNeither(body, ctx, false);
    if (Object.keys(body).length === 0)
      ctx.addIssue({ code: 'custom', message: 'nothing to change: give action, cron, every or timezone' });
  });

export const SchedulePause = z.strictObject({ note: z.string().max(500).optional() }).optional();

export const ScheduleListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});

/** `sched-` and 16 hex digits; anything else is answered like an unknown schedule. */
export const SCHEDULE_ID = /^sched-[0-9a-f]{16}$/;

export type ScheduleCreateBody = z.infer<typeof ScheduleCreate>;
export type SchedulePatchBody = z.infer<typeof SchedulePatch>;

// --- answers ------------------------------------------------------------------------------------------

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

export const ScheduleList = z
  .object({ items: z.array(ScheduleView), next: z.string().optional() })
  .meta({ id: 'ScheduleList' });

export const ScheduleTriggered = z
  .object({
    id: z.string(),
    status: z.literal('TRIGGERED'),
    links: z.object({ schedule: z.string(), tasks: z.string() }),
  })
  .meta({ id: 'ScheduleTriggered' });
