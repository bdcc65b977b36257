import { Router, type Request } from 'express';
import { charsetOf, decodeToUtf8, SUPPORTED_CHARSETS, UndecodableText, type Charset } from '../../imports/charsets';
import { UploadTooLarge, type ReceivedUpload } from '../../storage/import-files';
import { caller } from '../auth';
import type { ApiDeps, ApiServices } from '../deps';
import { HttpError } from '../errors';
import { idempotencyKeyOf } from '../idempotency';
import { respondTaskStarted } from '../task-started';

/**
 * `POST /v1/contacts/import`: the CSV body goes to a file in the shared store as it arrives (never whole
 * in memory), turned from its declared charset into UTF-8, then an `importContacts` workflow parses it.
 * Nothing starts on a refused body.
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
    const charset = csvCharset(req);
    // The body of a refused request is not read: the connection closes after the answer.
    if (Number(req.get('content-length') ?? 0) > settings.importMaxBytes) {
      res.set('Connection', 'close');
      throw tooLarge();
    }
    let upload: ReceivedUpload;
    try {
      upload = await files.importFiles.receive(owner.tenantId, req, settings.importMaxBytes, () =>
        decodeToUtf8(charset),
      );
    } catch (error) {
      if (error instanceof UndecodableText) {
        res.set('Connection', 'close');
        throw new HttpError(400, 'invalid_request', `body: ${error.message}`, [
          { field: 'body', message: `${error.message}; declare the file's charset in Content-Type` },
        ]);
      }
      if (!(error instanceof UploadTooLarge)) throw error;
      res.set('Connection', 'close');
      throw tooLarge();
    }
    respondTaskStarted(res, await imports.start(owner, upload, idempotencyKey));
  });
  return router;
}

/**
 * The charset of a body declared `text/csv` (UTF-8 unless `charset=` says otherwise); 415 for any other
 * type or an unknown charset: no other format is read.
 */
function csvCharset(req: Request): Charset {
  const header = req.get('content-type') ?? '';
  const [type, ...params] = header.split(';').map((part) => part.trim());
  const label = params.find((p) => /^charset=/i.test(p))?.slice('charset='.length);
  const charset = type?.toLowerCase() === 'text/csv' ? charsetOf(label) : undefined;
  if (!charset) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `send the contacts as "Content-Type: text/csv", with charset= one of ${SUPPORTED_CHARSETS.join(', ')} ` +
        `(UTF-8 if none), not "${header || 'no content type'}"`,
    );
  }
  return charset;
}
