import type { Generated, Kysely } from 'kysely';
import type { TaskKind } from '../shared/contracts';

/**
 * One schema for SQLite and PostgreSQL. Times are ISO-8601 UTC text (they sort as text and read the same
 * on both), flags are 0/1 integers.
 */
export interface TenantTable {
  id: string;
  name: string;
  created_at: string;
}

export interface UserTable {
  id: string;
  tenant_id: string;
  email: string;
  /** sha256 of the API key: keys are 256-bit random, so a fast hash is enough and allows lookup. */
  api_key_hash: string;
  created_at: string;
}

export interface ContactTable {
  id: Generated<number>;
  tenant_id: string;
  email: string;
  first_name: string;
  last_name: string;
  unsubscribed: number;
  created_at: string;
  updated_at: string;
}

export const NEWSLETTER_STATUSES = ['draft', 'sending', 'sent', 'cancelled'] as const;
export type NewsletterStatus = (typeof NEWSLETTER_STATUSES)[number];

export interface NewsletterTable {
  id: Generated<number>;
  tenant_id: string;
  subject: string;
  from_address: string | null;
  html: string;
  text: string | null;
  status: NewsletterStatus;
  created_at: string;
  sent_at: string | null;
}

/**
 * pending: to send. sending: claimed by an attempt that may have handed it to SMTP; if that attempt dies,
 * its fate is unknown and the next attempt resends it with the same Message-ID. sent, failed (permanent
 * SMTP answer or bad address), skipped (unsubscribed meanwhile), cancelled (the send was stopped).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped' | 'cancelled';

export interface DeliveryTable {
  newsletter_id: number;
  contact_id: number;
  status: DeliveryStatus;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  opens: number;
  clicks: number;
  first_opened_at: string | null;
  first_clicked_at: string | null;
  bounced: number;
  unsubscribed: number;
  updated_at: string;
  /** Times it was sent again because a crash left its fate unknown. */
  resends: Generated<number>;
}

export interface ExportTable {
  /** 128 random bits: names the file and goes into signed links. */
  id: string;
  tenant_id: string;
  user_id: string;
  newsletter_id: number;
  task_id: string;
  file_key: string;
  rows: number;
  bytes: number;
  sha256: string;
  created_at: string;
  expires_at: string;
}

export interface NotificationTable {
  id: string;
  tenant_id: string;
  user_id: string;
  task_id: string;
  kind: string;
  message: string;
  /** Unused since links are minted when read (`export_id`); kept for rows written before. */
  link: string | null;
  export_id?: string | null;
  read: number;
  created_at: string;
}

/** Tasks started through the API: who owns each workflow id, and the idempotency key that started it. */
export interface TaskTable {
  id: string;
  tenant_id: string;
  user_id: string;
  kind: TaskKind;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: string;
  /** Set when the task's workflow closed (its last notification, or an observed close); NULL while open. */
  closed_at?: string | null;
  /** JSON of the TaskOutcome once the task ended; NULL while open. */
  outcome?: string | null;
  /** JSON of the last Progress read live while the task ran: what the listing shows of an open task. */
  progress?: string | null;
}

/** Emails that must go out once: the key is fixed per purpose (e.g. one per export task). */
export interface SentEmailTable {
  key: string;
  message_id: string;
  sent_at: string;
}

/** A user's recurring task; Temporal holds the schedule itself under the same id. */
export interface ScheduleTable {
  id: string;
  tenant_id: string;
  user_id: string;
  action_type: 'export';
  newsletter_id: number;
  /** Exactly one of `cron` (5-field crontab) and `every` (`"15m"`) is set. */
  cron: string | null;
  every: string | null;
  timezone: string | null;
  created_at: string;
  updated_at: string;
}

export interface RateLimitTable {
  key: string;
  next_at_ms: number;
  /** A tenant's weight in a shared stream (`email:<tenant>` rows); NULL for a stream of its own. */
  weight?: number | null;
}

/** A tenant's own limits; a NULL column takes the default from settings. */
export interface TenantLimitsTable {
  tenant_id: string;
  fairness_weight: number | null;
  exports: number | null;
  sends: number | null;
  imports: number | null;
  schedules: number | null;
  min_schedule_interval_ms: number | null;
  export_bytes: number | null;
  event_streams: number | null;
  updated_at: string;
}

/** A signed-in browser of the task page; `token_hash` is sha256 of the cookie's value. */
export interface WebSessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/** A one-time sign-in link (`mailroom users login-link`): valid once, until `expires_at`. */
export interface LoginLinkTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface DatabaseSchema {
  web_sessions: WebSessionTable;
  login_links: LoginLinkTable;
  tenant_limits: TenantLimitsTable;
  rate_limits: RateLimitTable;
  tenants: TenantTable;
  users: UserTable;
  contacts: ContactTable;
  newsletters: NewsletterTable;
  deliveries: DeliveryTable;
  exports: ExportTable;
  notifications: NotificationTable;
  tasks: TaskTable;
  sent_emails: SentEmailTable;
  schedules: ScheduleTable;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: Dialect;
  close(): Promise<void>;
}

export const now = (): string => new Date().toISOString();
