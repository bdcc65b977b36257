import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/contracts';

const retry = (maximumAttempts: number): ActivityOptions['retry'] => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
});

/** Database and file bookkeeping: quick, retried a few times. */
export const QUICK: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retry(10) };

/**
 * QUICK's steps run as local activities: in the worker that runs the workflow, without a trip through the
 * server's task queue and a workflow task of their own each (under a busy server, each trip costs the
 * queue's wait and a store write or two). Only for steps that need no heartbeat and no other queue.
 */
export const QUICK_LOCAL: LocalActivityOptions = { startToCloseTimeout: QUICK.startToCloseTimeout, retry: QUICK.retry };

/** Long work that heartbeats its cursor: a dead worker is noticed within the heartbeat timeout. */
export const LONG: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: retry(20),
};

/** SMTP: transient failures (connection refused, 4xx) retry with backoff, for up to about an hour. */
export const EMAIL: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: retry(15) };
