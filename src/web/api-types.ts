/** What the page reads from the API: the service's own view types, plus the two small lists it shows. */
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

export interface Notification {
  id: string;
  taskId: string;
  kind: string;
  message: string;
  link?: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
}
