import { Router, type Request } from 'express';
import { UploadTooLarge, type ReceivedUpload } from '../../storage/import-files';
import { caller } from '../auth';
import type { ApiDeps, ApiServices } from '../deps';
import { HttpError } from '../errors';
import { idempotencyKeyOf } from '../idempotency';
import { respondTaskStarted } from '../task-started';

/**
 * `POST /v1/contacts/import`: the CSV body goes to a file in the shared store as it arrives (never whole
 * in memory), then an `importContacts` workflow parses it. Nothing starts on a refused body.
 */
export function contactRoutes({ settings, files }: ApiDeps, { imports }: ApiServices): Router {
  const router = Router();
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
      upload = await files.importFiles.receive(owner.tenantId, req, settings.importMaxBytes);
    } catch (error) {
      if (!(error instanceof UploadTooLarge)) throw error;
      res.set('Connection', 'close');
      throw tooLarge();
    }
    respondTaskStarted(res, await imports.start(owner, upload, idempotencyKey));
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
