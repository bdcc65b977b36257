import { z } from 'zod';
import { cronProblem, intervalMs, isTimeZone, normaliseCron } from '../../schedules/spec';
import { ScheduleAction } from '../../shared/views';
import { PageCursor, text } from './requests';

/**
 * Messages of `/v1/schedules`. As in `../schemas.ts`, each schema validates, types and (later) documents
 * its route; every refusal names the field, so a malformed crontab is a 400 about `cron`.
 */
export const Cron = text()
  .max(200)
  .superRefine((text, ctx) => {
    const problem = cronProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normaliseCron);

export const Every = text()
  .max(20)
  .refine(
    (text) => intervalMs(text) !== undefined,
    'expected a whole number and a unit s, m, h or d, at most a year, e.g. "30s", "15m", "2h", "1d"',
  );

export const TimeZone = text().max(64).refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris or UTC');

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

export const SchedulePause = z.strictObject({ note: text().max(500).optional() }).optional();

export const ScheduleListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: PageCursor.optional(),
});
