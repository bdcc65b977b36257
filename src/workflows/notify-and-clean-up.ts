import { CancellationScope, log, patched } from '@temporalio/workflow';

/** Runs recorded before it (test/histories/v1) cleaned up first; they replay on the old path. */
const NOTIFY_FIRST = 'notify-before-clean-up';

/**
 * A failed or cancelled task's last steps, even though the workflow's own scope is cancelled: the owner's
 * notice first, then the clean-up (retried by its activity's policy). A clean-up that still fails is
 * logged for operators; it never swallows the notice, and the task ends with its own failure.
 */
export async function notifyAndCleanUp(notify: () => Promise<void>, cleanUp?: () => Promise<void>): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    if (!patched(NOTIFY_FIRST)) {
      await cleanUp?.();
      await notify();
      return;
    }
    await notify();
    await cleanUp?.().catch((error: unknown) =>
      log.error('clean-up failed after its retries; files may be left behind', { error: String(error) }),
    );
  });
}
