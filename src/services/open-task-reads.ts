import type { TaskOwner } from '../shared/contracts';
import type { TaskTable } from '../db/schema';

/** What the last background read of an owner's open tasks found: Temporal did not answer, or it did. */
export type OpenTaskReads = 'unreachable' | 'answered';

/** Owners remembered at most: beyond, the oldest are forgotten (a forgotten owner is simply read again). */
const MAX_OWNERS = 10_000;

/**
 * Reads an owner's open tasks from Temporal off the listing's path: at most one read per owner at a
 * time and one every `everyMs`, however often the owner lists, so polling the listing costs Temporal at
 * most one visibility read a second per owner and never waits for it.
 */
export class BackgroundReads {
  private readonly owners = new Map<string, { at: number; last?: OpenTaskReads; running: boolean }>();

  constructor(
    private readonly read: (open: TaskTable[]) => Promise<OpenTaskReads>,
    private readonly everyMs = 1_000,
  ) {}

  /** What the owner's last read found (undefined before the first); starts a read when one is due. */
  seen(owner: TaskOwner, open: TaskTable[]): OpenTaskReads | undefined {
    const key = `${owner.tenantId}\n${owner.userId}`;
    const entry = this.owners.get(key) ?? { at: 0, running: false };
    if (!entry.running && Date.now() - entry.at >= this.everyMs) {
      entry.running = true;
      entry.at = Date.now();
      this.read(open)
        .then(
          (found) => (entry.last = found),
          () => undefined,
        )
        .finally(() => {
          entry.running = false;
          entry.at = Date.now();
        });
    }
    this.owners.delete(key); // re-inserted last: the map's order is least recently listed first
    this.owners.set(key, entry);
    if (this.owners.size > MAX_OWNERS) this.owners.delete(this.owners.keys().next().value!);
    return entry.last;
  }
}
