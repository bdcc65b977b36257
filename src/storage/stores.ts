import path from 'node:path';
import { ExportFiles } from './export-files';
import { ImportFiles } from './import-files';

/** The shared file stores, built once per process and injected into the API and the activities. */
export interface FileStores {
  exportFiles: ExportFiles;
  importFiles: ImportFiles;
}

/** Both stores live under the data dir, which API and workers share (a volume in production). */
export function createFileStores(dataDir: string): FileStores {
  return {
    exportFiles: new ExportFiles(path.join(dataDir, 'exports')),
    importFiles: new ImportFiles(path.join(dataDir, 'imports')),
  };
}
