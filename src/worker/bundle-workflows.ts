import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Where `npm run build` puts the prebuilt workflow bundle, beside the compiled worker. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

/** Run by `npm run build`: production workers load this bundle instead of bundling at start-up. */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  fs.writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  console.log(`wrote ${WORKFLOW_BUNDLE_PATH} (${code.length} bytes)`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
