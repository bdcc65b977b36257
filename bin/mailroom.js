#!/usr/bin/env node
'use strict';
// In a clone, run the TypeScript sources through tsx, so no build step can go stale. In the production
// image only the compiled `dist/` ships, with its prebuilt workflow bundle.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
if (fs.existsSync(source)) {
  // tsx's full registration (as `node --import tsx`): the CLI loads its heavier commands with
  // dynamic import(), which only tsx's ESM hook resolves.
  import('tsx').then(() => require(source));
} else {
  require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
}
