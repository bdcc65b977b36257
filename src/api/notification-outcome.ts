import type { z } from 'zod';
import type { TaskOutcome } from '../shared/contracts';
import type { NotificationOutcome } from './schemas/responses';

type Outcome = z.infer<typeof NotificationOutcome>;
const FIGURES = ['rows', 'bytes', 'imported', 'invalid', 'sent', 'failed', 'skipped', 'cancelled'] as const;

/**
 * A notification's task outcome as figures and codes, so a page in another language can word what the
 * English message says. Read from the task's recorded outcome; a result's figures are copied by name
 * (an export's rows and bytes, an import's imported and invalid, a send's counts), nothing else of it.
 */
export function notificationOutcome(recorded: string | null | undefined): Outcome | undefined {
  if (!recorded) return undefined;
  let outcome: TaskOutcome;
  try {
    outcome = JSON.parse(recorded) as TaskOutcome;
  } catch {
    return undefined;
  }
  const result = (outcome.result ?? {}) as Record<string, unknown>;
  const figures: Partial<Record<(typeof FIGURES)[number], number>> = {};
  for (const name of FIGURES) {
    const value = result[name];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) figures[name] = value;
  }
  return {
    status: outcome.status,
    ...(outcome.error ? { errorCode: outcome.error.code } : {}),
    ...figures,
  };
}
