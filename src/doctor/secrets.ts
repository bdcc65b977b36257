import type { Settings } from '../settings';
import { fail, pass, type CheckResult } from './check';

/** Fewer distinct characters than this in a 32+ character secret means a pattern, not randomness. */
const MIN_DISTINCT_CHARACTERS = 10;
const PLACEHOLDER = /change.?me|secret|password|example|dummy|test/i;

/**
 * The link secret signs download and unsubscribe links: in production it comes from LINK_SECRET (settings
 * refuse to start without one) and must look random (`openssl rand -hex 32`). Elsewhere one is generated
 * into the data dir.
 */
export function checkLinkSecret(settings: Settings): CheckResult {
  const name = 'link secret';
  const fix = 'set LINK_SECRET=$(openssl rand -hex 32) (links signed with the old secret stop working)';
  if (!settings.production) return pass(name, 'not production: generated once into the data dir');
  const secret = settings.linkSecret;
  if (secret.length < 32) return fail(name, `${secret.length} characters, fewer than 32`, fix);
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS || PLACEHOLDER.test(secret))
    return fail(name, 'LINK_SECRET looks like a placeholder or a pattern, not a random value', fix);
  return pass(name, `set from LINK_SECRET, ${secret.length} characters`);
}
