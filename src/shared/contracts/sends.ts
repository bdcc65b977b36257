import type { TaskOwner } from './tasks';

export interface SendNewsletterInput extends TaskOwner {
  newsletterId: number;
  /** Deliveries per activity: the grain of the rate limiter's reservations and of crash resends. */
  batchSize: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** Batches per workflow run before it continues as new (default 200); tests pass a small one. */
  batchesPerRun?: number;
}

export interface SendCounts {
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries whose fate a crash left unknown, sent again with their original Message-ID. */
  resent: number;
}

export interface SendNewsletterResult extends SendCounts {
  newsletterId: number;
  cancelled: number;
  total: number;
}

/** A slice of a send's deliveries, by contact id, inclusive: what one batch activity sends. */
export interface ContactRange {
  from: number;
  to: number;
}
