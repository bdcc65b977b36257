import {
  ActivityCancellationType,
  CancellationScope,
  CancelledFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EmailQueueActivities, MainActivities } from '../activities';
import {
  emailTaskQueue,
  pauseSignal,
  PRIORITY,
  progressQuery,
  resumeSignal,
  type ContactRange,
  type Progress,
  type SendCounts,
  type SendNewsletterInput,
  type SendNewsletterResult,
} from '../shared/contracts';
import { EMAIL, LONG, QUICK, QUICK_LOCAL } from './activity-options';
import { completedOutcome, endedOutcome, failureReason } from './failure-reason';

/** Batches per run before continue-as-new, unless the input says: keeps the history small for a million recipients. */
const BATCHES_PER_RUN = 200;

/**
 * Runs recorded before it ran their short database steps (prepare, plan the batches, count, find the
 * sender's address, notify) through activity tasks; they replay on that path. Since, these are local
 * activities, in the worker that runs the workflow: a small send makes three trips through the server's
 * task queues (deliveries, the batch, the summary) instead of nine, each of which waits in a busy queue.
 */
const LOCAL_SHORT_STEPS = 'send-local-short-steps';

/** Carried across continue-as-new: a cursor and counters, never recipients. */
interface SendState {
  subject: string;
  total: number;
  afterContactId: number;
  counts: SendCounts;
  paused: boolean;
}

/**
 * Sends a newsletter to every subscribed contact: creates the deliveries, sends them in batches on the
 * `-email` queue at the shared rate, pauses and resumes on signal, stops on cancel, then emails the
 * sender a summary and leaves a notification.
 */
export async function sendNewsletter(input: SendNewsletterInput, carried?: SendState): Promise<SendNewsletterResult> {
  const info = workflowInfo();
  // Decided once, on the run's first activation, so a run never mixes the two paths.
  const quick = patched(LOCAL_SHORT_STEPS)
    ? proxyLocalActivities<MainActivities>(QUICK_LOCAL)
    : proxyActivities<MainActivities>(QUICK);
  const long = proxyActivities<MainActivities>(LONG);
  // A batch waits for its rate-limit window and may meet an SMTP outage: retried with backoff for longer.
  // Campaign priority: a user's export or another sender's summary never waits behind these batches.
  const campaign = proxyActivities<EmailQueueActivities>({
    ...EMAIL,
    taskQueue: emailTaskQueue(info.taskQueue),
    priority: { priorityKey: PRIORITY.campaign },
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { ...EMAIL.retry, maximumInterval: '30 seconds', maximumAttempts: 40 },
    // On cancel, wait until in-flight batches stop, so nothing is sent after the rest is marked cancelled.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const transactional = proxyActivities<EmailQueueActivities>({
    ...EMAIL,
    taskQueue: emailTaskQueue(info.taskQueue),
    priority: { priorityKey: PRIORITY.interactive },
  });
  const owner = { tenantId: input.tenantId, userId: input.userId };
  const state: SendState = carried ?? {
    subject: '',
    total: 0,
    afterContactId: 0,
    counts: { sent: 0, failed: 0, skipped: 0, resent: 0 },
    paused: false,
  };
  let phase = carried ? 'sending' : 'preparing';
  const sendProgress = (): Progress => {
    const { sent, failed, skipped } = state.counts;
    return { phase: state.paused ? 'paused' : phase, done: sent + failed + skipped, total: state.total };
  };
  setHandler(progressQuery, sendProgress);
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));

  try {
    if (!carried) {
      state.subject = (await quick.prepareSend({ ...owner, newsletterId: input.newsletterId })).subject;
      state.total = (await long.createDeliveries({ ...owner, newsletterId: input.newsletterId })).total;
      phase = 'sending';
    }
    // A sliding window of `concurrency` batches: a new one starts as soon as any finishes.
    const inFlight = new Map<number, Promise<void>>();
    let planned: ContactRange[] = [];
    let plannedUpTo = state.afterContactId;
    let exhausted = false;
    let batches = 0;
    for (;;) {
      while (
        !state.paused &&
        !exhausted &&
        inFlight.size < input.concurrency &&
        batches < (input.batchesPerRun ?? BATCHES_PER_RUN) &&
        !workflowInfo().continueAsNewSuggested
      ) {
        if (planned.length === 0) {
          planned = await quick.planSendBatches({
            newsletterId: input.newsletterId,
            afterContactId: plannedUpTo,
            batchSize: input.batchSize,
            count: input.concurrency * 2,
          });
          if (planned.length === 0) {
            exhausted = true;
            break;
          }
          plannedUpTo = planned[planned.length - 1]!.to;
        }
        const range = planned.shift()!;
        const id = batches++;
        inFlight.set(
          id,
          campaign.sendDeliveryBatch({ ...owner, newsletterId: input.newsletterId, range }).then((r) => {
            state.counts = {
              sent: state.counts.sent + r.sent,
              failed: state.counts.failed + r.failed,
              skipped: state.counts.skipped + r.skipped,
              resent: state.counts.resent + r.resent,
            };
            inFlight.delete(id);
          }),
        );
      }
      if (inFlight.size === 0) {
        if (exhausted) break;
        if (state.paused) {
          await condition(() => !state.paused);
          continue;
        }
        // This run's share is done and nothing is in flight: carry the cursor into a fresh history.
        state.afterContactId = planned.length > 0 ? planned[0]!.from - 1 : plannedUpTo;
        await continueAsNew<typeof sendNewsletter>(input, state);
      }
      await Promise.race(inFlight.values());
    }
    return await finish(false);
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      // Stopped: what was never handed to SMTP is marked cancelled, and the sender still gets the figures.
      await CancellationScope.nonCancellable(() => finish(true));
      throw error;
    }
    await CancellationScope.nonCancellable(() =>
      quick.notifyTaskOwner({
        ...owner,
        taskId: info.workflowId,
        kind: 'send',
        message: `Sending "${state.subject || `newsletter ${input.newsletterId}`}" failed: ${failureReason(error)}.`,
        outcome: endedOutcome(error, sendProgress()),
      }),
    );
    throw error;
  }

  /** The database's counts are the truth: they include batches whose results a crash lost. */
  async function finish(cancelled: boolean): Promise<SendNewsletterResult> {
    phase = 'finishing';
    const counts = await quick.finishSend({ newsletterId: input.newsletterId, cancelled });
    const result: SendNewsletterResult = {
      newsletterId: input.newsletterId,
      total: state.total,
      sent: counts.sent,
      failed: counts.failed,
      skipped: counts.skipped,
      resent: counts.resent,
      cancelled: counts.cancelled,
    };
    state.counts = { sent: counts.sent, failed: counts.failed, skipped: counts.skipped, resent: counts.resent };
    const to = await quick.findUserEmail({ userId: input.userId });
    await transactional.sendSendSummaryEmail({
      key: `summary-${info.workflowId}`,
      to,
      newsletterSubject: state.subject,
      result,
      cancelled,
    });
    await quick.notifyTaskOwner({
      ...owner,
      taskId: info.workflowId,
      kind: 'send',
      message: cancelled
        ? `Sending "${state.subject}" was cancelled: ${result.sent} sent, ${result.cancelled} not sent.`
        : `"${state.subject}" was sent: ${result.sent} sent, ${result.failed} failed, ${result.skipped} skipped.`,
      outcome: cancelled
        ? { ...endedOutcome(new CancelledFailure('cancelled'), sendProgress()), result }
        : completedOutcome(result, result.total),
    });
    phase = cancelled ? 'cancelled' : 'done';
    return result;
  }
}
