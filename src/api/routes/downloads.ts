import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { findExport } from '../../db/queries/exports';
import { verifyDownloadToken } from '../../storage/download-links';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { NotFound } from '../../services/errors';

/** Signed links are the credential here: they are emailed and opened in a browser, without an API key. */
export function downloadRoutes({ database, files, settings }: ApiDeps): Router {
  const exportFiles = files.exportFiles;
  const router = Router();
  router.get('/downloads/:token', async (req, res) => {
    const check = verifyDownloadToken(req.params.token, settings.linkSecret);
    if (!check.ok) {
      if (check.reason === 'expired') throw new HttpError(410, 'expired', 'this download link has expired');
      if (check.reason === 'bad-signature')
        throw new HttpError(403, 'bad_signature', 'this download link is not valid');
      throw new NotFound('download');
    }
    const record = await findExport(database.db, check.claim.exportId);
    if (!record) throw new NotFound('download');
    if (new Date(record.expires_at) <= new Date())
      throw new HttpError(410, 'expired', 'this download link has expired');
    const path = exportFiles.resolve(record.file_key);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(path);
    } catch {
      throw new HttpError(410, 'gone', 'this export file no longer exists');
    }
    res.status(200).set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Length': String(stat.size),
      'Content-Disposition': `attachment; filename="newsletter-${record.newsletter_id}-statistics.csv"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Checksum-SHA256': record.sha256,
    });
    await pipeline(fs.createReadStream(path), res);
  });
  return router;
}
