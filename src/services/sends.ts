import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { findNewsletter, subscribedContacts } from '../db/queries/newsletters';
import { claimDraftForSending, setNewsletterStatus } from '../db/queries/sends';
import { findTaskByIdempotencyKey } from '../db/queries/tasks';
import type { DatabaseSchema } from '../db/schema';
import type { Settings } from '../settings';
import { BULK_SEND_RECIPIENTS, pauseSignal, resumeSignal, workflowIds, type TaskOwner } from '../shared/contracts';
import { sendNewsletter } from '../workflows/send-newsletter';
import type { Caller } from './caller';
import { NewsletterAlreadySent, NotFound, TaskAlreadyClosed, TaskNotPausable } from './errors';
import { sendBatching } from './send-batching';
import type { StartedTask, TaskService } from './tasks';

export type SendControl = 'pause' | 'resume';
const SIGNALS: Record<SendControl, SignalDefinition> = { pause: pauseSignal, resume: resumeSignal };

/** Sending a newsletter once, and pausing or resuming the send. */
export class SendService {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly tasks: TaskService,
    private readonly settings: Pick<Settings, 'emailRate' | 'sendBatchesPerRun'>,
  ) {}

  /**
   * One send per newsletter: the draft is claimed atomically before any workflow starts, and given back
   * if the start fails. A repeated Idempotency-Key gets the task the first request started.
   */
  async start(caller: Caller, newsletterId: number, idempotencyKey?: string): Promise<StartedTask> {
    const { tenantId, userId } = caller;
    const start = async () =>
      this.tasks.start({
        owner: caller,
        kind: 'send',
        workflow: sendNewsletter,
        workflowId: () => workflowIds.send(tenantId, newsletterId),
        args: [
          {
            tenantId,
            userId,
            newsletterId,
            ...sendBatching(this.settings.emailRate),
            batchesPerRun: this.settings.sendBatchesPerRun,
          },
        ],
        request: { newsletterId },
        idempotencyKey,
        summary: `Send newsletter ${newsletterId} for ${caller.email}`,
        large: (await subscribedContacts(this.db, tenantId)) > BULK_SEND_RECIPIENTS,
      });
    if (idempotencyKey && (await findTaskByIdempotencyKey(this.db, caller, idempotencyKey))) return start();
    if (!(await claimDraftForSending(this.db, tenantId, newsletterId))) {
      if (!(await findNewsletter(this.db, tenantId, newsletterId))) throw new NotFound('newsletter');
      throw new NewsletterAlreadySent();
    }
    try {
      return await start();
    } catch (error) {
      await setNewsletterStatus(this.db, newsletterId, 'draft');
      throw error;
    }
  }

  /** Only a running send of the caller's can be paused or resumed. */
  async control(owner: TaskOwner, taskId: string, action: SendControl): Promise<void> {
    const task = await this.tasks.own(owner, taskId);
    if (task.kind !== 'send') throw new TaskNotPausable(action, task.kind);
    if (task.closed_at) throw new TaskAlreadyClosed(action);
    const handle = this.tasks.handle(taskId);
    try {
      if ((await this.tasks.withDeadline(() => handle.describe())).status.name !== 'RUNNING') {
        throw new TaskAlreadyClosed(action);
      }
      await this.tasks.withDeadline(() => handle.signal(SIGNALS[action]));
    } catch (error) {
      // Not started yet, or closed between the describe and the signal (the API fuzz found both).
      if (error instanceof WorkflowNotFoundError) throw new TaskAlreadyClosed(action);
      throw error;
    }
  }
}
