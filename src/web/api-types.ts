/** What the page reads from the API: the service's own view types, plus the two small lists it shows. */
import type { TaskView } from '../shared/views';

export type { ScheduleView, TaskList, TaskView } from '../shared/views';

export interface Session {
  email: string;
  tenantId: string;
  csrfToken: string;
  expiresAt: string;
}

export interface NewsletterSummary {
  id: number;
  subject: string;
  status: string;
  recipients: number;
}

/** How a notification's task ended, as figures and codes (see NotificationOutcome in the API). */
export interface NotificationOutcome {
  status: Exclude<TaskView['status'], 'RUNNING'>;
  errorCode?: string;
  rows?: number;
  bytes?: number;
  imported?: number;
  invalid?: number;
  sent?: number;
  failed?: number;
  skipped?: number;
  cancelled?: number;
}

export interface Notification {
  id: string;
  taskId: string;
  kind: string;
  /** In English. */
  message: string;
  link?: string;
  outcome?: NotificationOutcome;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
}
