/**
 * Where a workflow's time went, read from its history: how long each workflow task and each activity
 * waited in its task queue (scheduled → started) and ran (started → completed). A bench prints these
 * beside its end-to-end figures, so a slow task says which queue or step held it.
 */
import { Connection, Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';

type HistoryEvent = NonNullable<History['events']>[number];

/** One step's wait and run time, ms. */
export interface Span {
  /** `workflow task` or the activity type, e.g. `sendExportReadyEmail`. */
  step: string;
  waitMs: number;
  runMs: number;
  /** The attempt that completed (1: no retry; a retry's backoff counts in the wait). */
  attempt: number;
  /** The last failure before that attempt, if any. */
  lastFailure?: string;
}

const ms = (event: HistoryEvent): number => {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN;
};

/** The spans of one workflow's history, and when it started (epoch ms), for the run that completed it. */
export function spansOf(events: HistoryEvent[]): { startedAt: number; spans: Span[] } {
  const byId = new Map<number, HistoryEvent>();
  for (const event of events) byId.set(Number(event.eventId), event);
  const spans: Span[] = [];
  for (const event of events) {
    if (event.workflowTaskCompletedEventAttributes) {
      const attrs = event.workflowTaskCompletedEventAttributes;
      const scheduled = byId.get(Number(attrs.scheduledEventId));
      const started = byId.get(Number(attrs.startedEventId));
      if (scheduled && started) {
        spans.push({
          step: 'workflow task',
          waitMs: ms(started) - ms(scheduled),
          runMs: ms(event) - ms(started),
          attempt: 1,
        });
      }
    } else if (event.activityTaskCompletedEventAttributes) {
      const attrs = event.activityTaskCompletedEventAttributes;
      const scheduled = byId.get(Number(attrs.scheduledEventId));
      const started = byId.get(Number(attrs.startedEventId));
      const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
      const startedAttrs = started?.activityTaskStartedEventAttributes;
      if (scheduled && started) {
        spans.push({
          step: type,
          waitMs: ms(started) - ms(scheduled),
          runMs: ms(event) - ms(started),
          attempt: startedAttrs?.attempt ?? 1,
          ...(startedAttrs?.lastFailure?.message ? { lastFailure: startedAttrs.lastFailure.message } : {}),
        });
      }
    }
  }
  return { startedAt: events[0] ? ms(events[0]) : NaN, spans };
}

/** Reads each workflow's history (following continue-as-new is not needed for B's small tasks). */
export async function readSpans(
  address: string,
  workflowIds: string[],
): Promise<Map<string, { startedAt: number; spans: Span[] }>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const result = new Map<string, { startedAt: number; spans: Span[] }>();
    for (const id of workflowIds) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      result.set(id, spansOf(history.events ?? []));
    }
    return result;
  } finally {
    await connection.close();
  }
}

/** Per step: count, total wait p50/max and run p50/max, over many workflows' spans. */
export function summariseSpans(all: Span[][]): string[] {
  const steps = new Map<string, Span[]>();
  for (const spans of all) for (const span of spans) steps.set(span.step, [...(steps.get(span.step) ?? []), span]);
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  };
  const lines = [
    '| step | count | wait p50 | wait max | run p50 | run max | retried |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const failures = new Set<string>();
  for (const [step, spans] of steps) {
    const waits = spans.map((x) => x.waitMs);
    const runs = spans.map((x) => x.runMs);
    const retried = spans.filter((x) => x.attempt > 1);
    for (const x of retried) if (x.lastFailure) failures.add(`${step}: ${x.lastFailure.slice(0, 160)}`);
    lines.push(
      `| ${step} | ${spans.length} | ${pct(waits, 50)} ms | ${Math.max(...waits)} ms | ${pct(runs, 50)} ms | ${Math.max(...runs)} ms | ${retried.length} |`,
    );
  }
  if (failures.size > 0) lines.push('', 'Failures before a retry:', ...[...failures].map((f) => `- ${f}`));
  return lines;
}
