import { isGrpcServiceError } from '@temporalio/client';

/** How long an API request waits on Temporal before it says so: the user gets an answer, not a hang. */
export const TEMPORAL_DEADLINE_MS = 2_000;

/** gRPC status codes (grpc/doc/statuscodes.md) that mean "no answer", not "refused". */
const NO_ANSWER = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/** True when an error means Temporal did not answer (down, unreachable, too slow), not that it refused. */
export function isTemporalUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return NO_ANSWER.has(e.code);
  }
  return false;
}
