/**
 * The most arrivals in any window of `windowMs`. Slots are 1/rate apart, so a window of one second holds
 * at most `rate` of them; arrivals are slots plus a delay that varies by up to `jitterMs` (transport,
 * parsing, a busy event loop), so a window of (1000 - jitterMs) ms holds at most `rate` arrivals.
 */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
