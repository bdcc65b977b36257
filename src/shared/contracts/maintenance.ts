/** Input of the hourly built-in `purgeExpiredExports`. */
export interface PurgeExpiredExportsInput {
  /** Expired exports deleted per activity call. */
  batchSize?: number;
}

/** Input of the built-in `dailyDigest`: "yesterday" is the day before the run's start in this zone. */
export interface DailyDigestInput {
  timezone: string;
  /** Tenants handled per listing activity call. */
  batchSize?: number;
}

/** The local calendar day a digest reports on, as its date and the UTC instants [from, to) that bound it. */
export interface DigestPeriod {
  /** `YYYY-MM-DD`, local to the zone. */
  date: string;
  /** ISO instant of the local midnight that starts the day. */
  from: string;
  /** ISO instant of the next local midnight. */
  to: string;
}
