#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs `mailroom dev` (which builds the
# temporal CLI once if needed, starts it, migrates, seeds and runs worker and API).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node-modules.sh
node --import tsx src/web/build.ts # the task page, served at /app/
exec node bin/mailroom.js dev "$@"
