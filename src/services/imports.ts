import { workflowIds } from '../shared/contracts';
import type { ImportFiles, ReceivedUpload } from '../storage/import-files';
import { importContacts } from '../workflows/import-contacts';
import type { Caller } from './caller';
import { InvalidField } from './errors';
import type { StartedTask, TaskService } from './tasks';

/** Starts contact imports of files already received into the shared store. */
export class ImportService {
  constructor(
    private readonly tasks: TaskService,
    private readonly files: ImportFiles,
  ) {}

  /**
   * The same Idempotency-Key with the same file is the same import; with another file it is a conflict.
   * An upload that starts nothing (refused, or a repeat) is removed: the first one's workflow reads its own.
   */
  async start(caller: Caller, upload: ReceivedUpload, idempotencyKey?: string): Promise<StartedTask> {
    let created = false;
    try {
      if (upload.bytes === 0) throw new InvalidField('body', 'the CSV is empty');
      const { tenantId, userId } = caller;
      const started = await this.tasks.start({
        owner: caller,
        kind: 'import',
        workflow: importContacts,
        workflowId: (key) => workflowIds.import(tenantId, key),
        args: [{ tenantId, userId, fileKey: upload.fileKey }],
        request: { sha256: upload.sha256 },
        idempotencyKey,
        summary: `Import contacts from a ${upload.bytes}-byte CSV for ${caller.email}`,
      });
      created = started.created;
      return started;
    } finally {
      if (!created) await this.files.remove(upload.fileKey);
    }
  }
}
