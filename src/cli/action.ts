import { SettingsError } from '../settings';

/** A mistake in how a command was called or what it needs: one line for the person, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs a command; a bad setting or a known failure prints one line and exits 1, never a stack. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      if (error instanceof SettingsError || error instanceof UsageError) {
        console.error(`mailroom: ${error.message}`);
      } else {
        console.error(`mailroom: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      process.exit(1);
    }
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
export const untilSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
