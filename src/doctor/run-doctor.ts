import type { Settings } from '../settings';
import type { CheckResult } from './check';
import { checkDatabase } from './database';
import { checkExportStore } from './export-store';
import { checkLinkSecret } from './secrets';
import { checkMail } from './smtp';
import { checkTemporal } from './temporal';

/** Every check of `mailroom doctor`, in the order an operator fixes things: Temporal, database, mail, files. */
export async function runDoctor(settings: Settings): Promise<CheckResult[]> {
  const [temporal, database, mail, store] = await Promise.all([
    checkTemporal(settings),
    checkDatabase(settings),
    checkMail(settings),
    checkExportStore(settings),
  ]);
  return [...temporal, ...database, mail, checkLinkSecret(settings), store];
}
