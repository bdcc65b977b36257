#!/usr/bin/env bash
# `npm run test:topology` (.ci/run runs it after `npm test`): the chaos test on the production topology
# (test/topology/*.topology.ts). Builds what it needs: the Temporal server, temporal-sql-tool and the CLI
# with `go install` (once per machine, into ~/.cache/mailroom/; minutes when Go's caches are cold), and
# mailroom itself (`npm run build`: the test runs the compiled api and workers). Starts its own PostgreSQL
# cluster, Temporal server and SMTP server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node-modules.sh
# shellcheck source=scripts/ensure-go-tools.sh
source scripts/ensure-go-tools.sh cli server
echo "test:topology: compiling mailroom (npm run build)"
npm run --silent build >/dev/null
# The run time depends on the machine's load (the send and the exports are CPU-bound): say both.
started=$(date +%s)
echo "test:topology: starting ($(uptime | sed 's/.*load/load/'))"
node --import tsx --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec test/topology/*.topology.ts
echo "test:topology: passed in $(($(date +%s) - started)) s ($(uptime | sed 's/.*load/load/'))"
