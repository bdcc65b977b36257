/**
 * Bundles the task page (src/web, Preact) into dist/web: one minified script, its style sheet and the
 * HTML page, all served by the API under /app/. Run by `npm run build`, `npm run dev` and the browser
 * tests; takes well under a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const source = __dirname;
/** Where the API serves it from (`WEB_DIST` of src/api/routes/app-page.ts). */
export const WEB_OUT = path.resolve(__dirname, '..', '..', 'dist', 'web');

export async function buildWeb(): Promise<void> {
  fs.mkdirSync(WEB_OUT, { recursive: true });
  await build({
    entryPoints: { app: path.join(source, 'main.tsx') },
    outdir: WEB_OUT,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(source, 'app.css'), path.join(WEB_OUT, 'app.css'));
  fs.copyFileSync(path.join(source, 'index.html'), path.join(WEB_OUT, 'index.html'));
}

if (require.main === module) {
  buildWeb().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
