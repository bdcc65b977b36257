#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (npm packages, the temporal CLI,
# PostgreSQL), starts a Temporal dev server and PostgreSQL, runs every test, stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-node-modules.sh

# shellcheck source=scripts/ensure-postgres.sh
source scripts/ensure-postgres.sh
source scripts/ensure-chromium.sh
stop_pg() { if [ -n "${MAILROOM_TEST_PG_STOP:-}" ]; then $MAILROOM_TEST_PG_STOP >/dev/null || true; fi; }
trap stop_pg EXIT
source scripts/ensure-promtool.sh

echo "test: type-checking"
npx tsc -p tsconfig.json --noEmit && npx tsc -p src/web/tsconfig.json --noEmit
echo "test: lint and format"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

if [ -x scripts/validate-compose.sh ]; then bash scripts/validate-compose.sh; fi

node --import tsx test/run.ts "$@"
