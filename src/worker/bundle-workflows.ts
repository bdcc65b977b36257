import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Where `npm run build` puts the prebuilt workflow bundle, beside the compiled worker. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

/**
 * The bundle's inline source map without the sources' text: the worker needs only the mappings (workflow
 * stack traces by file and line; `showStackTraceSources` is off), and every worker process and its workflow
 * thread would otherwise hold the 0.6 MB of source text, twice encoded.
 */
function withoutSourcesContent(code: string): string {
  const comment = code.lastIndexOf('//# sourceMappingURL=data:');
  const data = code.indexOf(',', comment) + 1;
  if (comment < 0 || data === 0) throw new Error('workflow bundle without an inline source map');
  const map = JSON.parse(Buffer.from(code.slice(data), 'base64').toString('utf8')) as { sourcesContent?: unknown };
  delete map.sourcesContent;
  return code.slice(0, data) + Buffer.from(JSON.stringify(map)).toString('base64');
}

/** Run by `npm run build`: production workers load this bundle instead of bundling at start-up. */
async function main(): Promise<void> {
  const { code: bundled } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const code = withoutSourcesContent(bundled);
  fs.writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  console.log(`wrote ${WORKFLOW_BUNDLE_PATH} (${code.length} bytes)`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
