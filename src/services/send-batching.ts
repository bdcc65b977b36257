/**
 * How a send is cut: a batch is about two seconds of mail at the configured rate (at least 10, at most
 * 500 deliveries), four in flight. Small enough that a crash resends little, large enough that Temporal's
 * per-activity cost is lost in the SMTP time.
 */
export function sendBatching(emailRate: number): { batchSize: number; concurrency: number } {
  return { batchSize: Math.max(10, Math.min(500, Math.round(emailRate * 2))), concurrency: 4 };
}
