/** Socket errors of a database connection that could not be made or was cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** PostgreSQL SQLSTATEs meaning "not now": the server is starting, stopping, or out of connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres' own words for a connection that went away or never came. */
const CUT =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * True when an error means the database did not answer (down, restarting, unreachable), not that it refused
 * a statement: the API answers 503 with Retry-After then, never 500.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')))
      return true;
    if (CUT.test(e.message)) return true;
  }
  return false;
}
