/** One line of `mailroom doctor`: what was checked, what was found and, when wrong, how to fix it. */
export type CheckResult =
  { name: string; ok: true; detail: string } | { name: string; ok: false; detail: string; fix: string };

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });

/** How long one check may take before it counts as failed: the doctor answers even when things hang. */
export const CHECK_TIMEOUT_MS = 5_000;

/** Runs a check with a deadline; a throw or a hang is a ✗ naming the check, never a crash. */
export async function guarded(name: string, fix: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve(fail(name, `no answer within ${CHECK_TIMEOUT_MS / 1000} s`, fix)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      run().catch((error: unknown) =>
        fail(name, error instanceof Error ? error.message.split('\n')[0]! : String(error), fix),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `✓ name: detail` or `✗ name: detail — fix: …`, one line each. */
export function formatResult(result: CheckResult): string {
  return result.ok ? `✓ ${result.name}: ${result.detail}` : `✗ ${result.name}: ${result.detail} — fix: ${result.fix}`;
}
