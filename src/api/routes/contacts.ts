import type { Request } from 'express';
import { Router } from 'express';
import { workflowIds, type ImportContactsInput } from '../../shared/contracts';
import type { TaskService } from '../../services/tasks';
import { ImportFiles, importsDir, UploadTooLarge, type ReceivedUpload } from '../../storage/import-files';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { idempotencyKeyOf } from '../idempotency';

/**
 * `POST /v1/contacts/import`: the CSV body goes to a file in the shared store as it arrives (never whole
 * in memory), then an `importContacts` workflow parses it. Nothing starts on a refused body.
 */
export function contactRoutes({ settings }: ApiDeps, tasks: TaskService): Router {
  const router = Router();
  const files = new ImportFiles(importsDir(settings.dataDir));
  const tooLarge = () =>
    new HttpError(
      413,
      'too_large',
      `the CSV is larger than the limit of ${settings.importMaxBytes} bytes (MAILROOM_IMPORT_MAX_BYTES)`,
    );

  router.post('/v1/contacts/import', async (req, res) => {
    const owner = caller(req);
    const idempotencyKey = idempotencyKeyOf(req);
    checkCsvContentType(req);
    // The body of a refused request is not read: the connection closes after the answer.
    if (Number(req.get('content-length') ?? 0) > settings.importMaxBytes) {
      res.set('Connection', 'close');
      throw tooLarge();
    }
    let upload: ReceivedUpload;
    try {
      upload = await files.receive(owner.tenantId, req, settings.importMaxBytes);
    } catch (error) {
      if (!(error instanceof UploadTooLarge)) throw error;
      res.set('Connection', 'close');
      throw tooLarge();
    }
    let created = false;
    try {
      if (upload.bytes === 0) throw new HttpError(400, 'invalid_request', 'body: the CSV is empty');
      const input: ImportContactsInput = { tenantId: owner.tenantId, userId: owner.userId, fileKey: upload.fileKey };
      const started = await tasks.start({
        owner,
        kind: 'import',
        workflowType: 'importContacts',
        workflowId: (key) => workflowIds.import(owner.tenantId, key),
        args: [input],
        // The same key with the same file is the same import; with another file it is 422.
        request: { sha256: upload.sha256 },
        idempotencyKey,
        summary: `Import contacts from a ${upload.bytes}-byte CSV for ${owner.email}`,
      });
      created = started.created;
      const taskId = started.task.id;
      res
        .status(created ? 202 : 200)
        .location(`/v1/tasks/${taskId}`)
        .json({ taskId, kind: 'import', status: 'RUNNING', links: { self: `/v1/tasks/${taskId}` } });
    } finally {
      // A repeated request's upload is not needed: the first one's workflow reads its own file.
      if (!created) await files.remove(upload.fileKey);
    }
  });
  return router;
}

/** 415 unless the body is declared `text/csv` (UTF-8 or ASCII): no other format is read. */
function checkCsvContentType(req: Request): void {
  const header = req.get('content-type') ?? '';
  const [type, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (type !== 'text/csv' || (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset))) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `send the contacts as "Content-Type: text/csv" (UTF-8), not "${header || 'no content type'}"`,
    );
  }
}
