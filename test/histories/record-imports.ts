/**
 * Records importContacts histories for test/replay.test.ts (see record.ts for when to run it):
 *   MAILROOM_HISTORY_SET=v2 TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx test/histories/record-imports.ts
 */
import { Readable } from 'node:stream';
import { ensureTenant } from '../../src/db/queries/tenants';
import { progressQuery, type ImportContactsInput } from '../../src/shared/contracts';
import { createFileStores } from '../../src/storage/stores';
import { importContacts } from '../../src/workflows';
import { startTestSystem } from '../support/system';
import { waitUntil } from '../support/wait';
import { historySetDir, saveHistory } from './save-history';

const rows = (n: number) =>
  [
    'email,first name,last name',
    ...Array.from({ length: n }, (_, i) => (i % 9 === 8 ? `bad-${i}@,X,Y` : `c${i}@hist.test,F${i},L${i}`)),
  ].join('\n');

async function main() {
  historySetDir(); // refuses before any work when no new set is named
  const sys = await startTestSystem({ dialect: 'sqlite' });
  try {
    await ensureTenant(sys.db.database.db, 'hist');
    const { userId } = await sys.user('hist', 'history@hist.test');
    const files = createFileStores(sys.settings.dataDir).importFiles;
    const start = async (name: string, csv: string, chunkRows: number) => {
      const { fileKey } = await files.receive('hist', Readable.from([Buffer.from(csv)]), 1 << 24);
      const input: ImportContactsInput = { tenantId: 'hist', userId, fileKey, chunkRows };
      return sys.temporal.workflow.start(importContacts, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `history-${name}-${sys.settings.taskQueue}`,
        args: [input],
      });
    };
    const save = (name: string, handle: Awaited<ReturnType<typeof start>>) =>
      saveHistory(handle, name, sys.settings.temporalAddress);

    await save('import-completed', await start('import-completed', rows(60), 20));
    await save('import-failed', await start('import-failed', 'ok@hist.test,A,B\n"broken@hist.test,C,D\n', 20));
    const cancelled = await start('import-cancelled', rows(3_000), 10);
    await waitUntil('50 rows imported', async () => (await cancelled.query(progressQuery)).done >= 50, {
      intervalMs: 20,
    });
    await cancelled.cancel();
    await save('import-cancelled', cancelled);
  } finally {
    await sys.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
