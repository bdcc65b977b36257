import { activityInfo, heartbeat } from '@temporalio/activity';
import { countDeliveries } from '../db/queries/delivery-stats';
import { findNewsletter } from '../db/queries/newsletters';
import {
  cancelPendingDeliveries,
  createDeliveryPage,
  deliveryCounts,
  planSendRanges,
  setNewsletterStatus,
  type ContactRange,
} from '../db/queries/sends';
import type { TaskOwner } from '../shared/contracts';
import type { ActivityDeps } from './deps';
import { NewsletterNotFound } from './errors';

const DELIVERY_PAGE = 5_000;

/** Bookkeeping of a send, on the main task queue: none of these opens an SMTP connection. */
export const createSendActivities = ({ database }: ActivityDeps) => ({
  async prepareSend(input: TaskOwner & { newsletterId: number }): Promise<{ subject: string }> {
    const newsletter = await findNewsletter(database.db, input.tenantId, input.newsletterId);
    if (!newsletter) throw new NewsletterNotFound(`newsletter ${input.newsletterId} does not exist`);
    return { subject: newsletter.subject };
  },

  /**
   * One pending delivery per subscribed contact, page by page; a retry resumes after the last page it
   * heartbeated, and rows that exist are left alone, so running it twice creates nothing new.
   */
  async createDeliveries(input: TaskOwner & { newsletterId: number }): Promise<{ total: number }> {
    let after = (activityInfo().heartbeatDetails as number | undefined) ?? 0;
    for (;;) {
      const last = await createDeliveryPage(database.db, input.tenantId, input.newsletterId, after, DELIVERY_PAGE);
      if (last === undefined) break;
      after = last;
      heartbeat(after);
    }
    return { total: await countDeliveries(database.db, input.newsletterId) };
  },

  async planSendBatches(input: {
    newsletterId: number;
    afterContactId: number;
    batchSize: number;
    count: number;
  }): Promise<ContactRange[]> {
    return planSendRanges(database.db, input.newsletterId, input.afterContactId, input.batchSize, input.count);
  },

  /** Closes the send: the newsletter's final status, and what happened to every delivery. */
  async finishSend(input: { newsletterId: number; cancelled: boolean }) {
    if (input.cancelled) await cancelPendingDeliveries(database.db, input.newsletterId);
    await setNewsletterStatus(database.db, input.newsletterId, input.cancelled ? 'cancelled' : 'sent');
    return deliveryCounts(database.db, input.newsletterId);
  },
});

export type SendActivities = ReturnType<typeof createSendActivities>;
