import type { TaskOwner } from '../shared/contracts';

/** The authenticated user a request acts for: the owner of what it starts, and the address summaries name. */
export interface Caller extends TaskOwner {
  email: string;
}
