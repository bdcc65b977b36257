import { formatResult } from '../../doctor/check';
import { runDoctor } from '../../doctor/run-doctor';
import { loadSettings } from '../../settings';

/** `mailroom doctor`: one line per check, ✓ or ✗ with the fix; exit code 1 when any check fails. */
export async function doctor(): Promise<void> {
  const results = await runDoctor(loadSettings());
  for (const result of results) console.log(formatResult(result));
  const failed = results.filter((result) => !result.ok).length;
  console.log(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}
