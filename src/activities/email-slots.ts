import { setTimeout as sleep } from 'node:timers/promises';
import { findTenantLimits } from '../db/queries/tenant-limits';
import { reserveEmailWindow, type EmailWindow } from '../db/queries/email-shares';
import type { Database } from '../db/schema';
import { observeEmailSlotWait } from '../observability/worker-metrics';
import type { TenantLimits } from '../settings';

/** How far ahead a batch reserves its tenant's share: a newcomer gets its share within this long. */
const WINDOW_MS = 100;

/**
 * The send times of one batch's messages at its tenant's fair share of the campaign email rate, taken
 * one by one in order; each short window is reserved as the previous one runs out, at the share the
 * tenants sending at that moment leave it.
 */
export class FairEmailSlots {
  private window: EmailWindow | undefined;
  private used = 0;
  /** Slots handed out so far: a window never reserves more than the batch still has messages for. */
  private taken = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly database: Database,
    private readonly tenantId: string,
    private readonly weight: number,
    private readonly ratePerSecond: number,
    private readonly messages: number,
  ) {}

  /** The slots of a batch of `messages` messages of this tenant. */
  static async forTenant(
    database: Database,
    tenantId: string,
    defaults: TenantLimits,
    ratePerSecond: number,
    messages: number,
  ): Promise<FairEmailSlots> {
    const weight = (await findTenantLimits(database.db, tenantId))?.fairness_weight ?? defaults.fairnessWeight;
    return new FairEmailSlots(database, tenantId, weight, ratePerSecond, messages);
  }

  /**
   * When the next message may go (ms since the epoch). Concurrent callers get consecutive slots. While the
   * tenant is a window ahead of its share, this waits (abortably) until it may reserve again.
   */
  take(signal?: AbortSignal): Promise<number> {
    const slot = this.queue.then(async () => {
      while (!this.window || this.used >= this.window.slots) {
        const reserved = await reserveEmailWindow(
          this.database,
          this.tenantId,
          this.weight,
          this.ratePerSecond,
          WINDOW_MS,
          Math.max(1, this.messages - this.taken),
        );
        if ('retryAtMs' in reserved) {
          await sleep(Math.max(1, reserved.retryAtMs - Date.now()), undefined, { signal });
          continue;
        }
        this.window = reserved;
        this.used = 0;
      }
      this.taken++;
      return this.window.startMs + this.used++ * this.window.intervalMs;
    });
    this.queue = slot.catch(() => undefined);
    slot.then(observeEmailSlotWait, () => undefined); // the rate-limiter wait, on the worker's /metrics
    return slot;
  }

  /** Whether the next `take` reserves a window in the database (and may wait for the tenant's share). */
  mustReserve(): boolean {
    return !this.window || this.used >= this.window.slots;
  }

  /** The spacing of the current window's slots (ms); before any, the rate's. */
  intervalMs(): number {
    return this.window?.intervalMs ?? 1000 / this.ratePerSecond;
  }

  /** A slot taken but let go (missed): the batch still has that message to send, so windows stay sized for it. */
  giveUp(): void {
    this.taken--;
  }
}
