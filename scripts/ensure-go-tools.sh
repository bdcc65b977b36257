#!/usr/bin/env bash
# Sourced: builds (once per machine, into ~/.cache/mailroom/) the Go programs of the production topology at
# the versions deploy/versions.env names, and exports where they are:
#   source scripts/ensure-go-tools.sh cli server mailpit ui
#   -> TEMPORAL_CLI_DIR (temporal), TEMPORAL_SERVER_DIR (temporal-server, temporal-sql-tool,
#      schema/postgresql/v12), MAILPIT_DIR (mailpit), TEMPORAL_UI_DIR (temporal-ui-server, config/)
# A cold build (empty Go caches) takes several minutes on 2 cores; later runs find the cache at once.
# Returns 1 when a tool could not be built (its variable is then empty); the caller decides.
_ensure_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ensure_out="$(node --import tsx "$_ensure_root/src/temporal/ensure-tools.ts" "$@")"
_ensure_status=$?
eval "$_ensure_out"
export TEMPORAL_CLI_DIR TEMPORAL_SERVER_DIR TEMPORAL_UI_DIR MAILPIT_DIR
unset _ensure_root _ensure_out
return $_ensure_status 2>/dev/null || exit $_ensure_status
