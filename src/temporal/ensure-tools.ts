/**
 * `node --import tsx src/temporal/ensure-tools.ts cli server ui mailpit`: builds what is missing (once per
 * machine, see cli-binary.ts) and prints one shell assignment per tool directory, for scripts to `eval`:
 * TEMPORAL_CLI_DIR, TEMPORAL_SERVER_DIR, TEMPORAL_UI_DIR, MAILPIT_DIR. A tool that cannot be built prints an
 * empty value and says why on stderr; the exit code is 1 unless every tool named is there.
 */
import {
  ensureGoTool,
  mailpitTool,
  temporalCliTool,
  temporalServerTool,
  temporalUiTool,
  type GoTool,
} from './cli-binary';

const TOOLS: Record<string, { variable: string; tool: () => GoTool }> = {
  cli: { variable: 'TEMPORAL_CLI_DIR', tool: temporalCliTool },
  server: { variable: 'TEMPORAL_SERVER_DIR', tool: temporalServerTool },
  ui: { variable: 'TEMPORAL_UI_DIR', tool: temporalUiTool },
  mailpit: { variable: 'MAILPIT_DIR', tool: mailpitTool },
};

let failed = false;
for (const name of process.argv.slice(2)) {
  const entry = TOOLS[name];
  if (!entry) {
    console.error(`ensure-tools: unknown tool ${name} (known: ${Object.keys(TOOLS).join(', ')})`);
    process.exit(2);
  }
  let dir: string | undefined;
  try {
    dir = ensureGoTool(entry.tool(), (line) => console.error(line));
    if (!dir) console.error(`ensure-tools: cannot build ${name}: no Go toolchain on PATH`);
  } catch (error) {
    console.error(`ensure-tools: building ${name} failed: ${(error as Error).message}`);
  }
  if (!dir) failed = true;
  console.log(`${entry.variable}='${dir ?? ''}'`);
}
process.exit(failed ? 1 : 0);
