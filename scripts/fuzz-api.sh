#!/usr/bin/env bash
# Fuzzes a running mailroom API against its own description (GET /openapi.json) with schemathesis:
# fails on any 5xx and on any answer the description does not allow (status, content type, body schema,
# headers), on valid input refused or invalid input accepted, on the warnings schemathesis.toml names,
# and when too few operations ever got a 2xx answer (scripts/fuzz-coverage.py): a fuzz that only ever
# hits 401/404/422 tests the validation layer, not the handlers.
#
#   scripts/fuzz-api.sh install                 # the venv only (idempotent); prints the st path
#   scripts/fuzz-api.sh <base-url> <api-key>    # e.g. http://127.0.0.1:3000 "$(cat data/demo-api-key)"
#
# schemathesis comes from PyPI into a venv under $MAILROOM_TOOLS_DIR (default ~/.cache/mailroom-tools).
# Bounded and deterministic, so CI gets the same cases every run: MAILROOM_FUZZ_EXAMPLES (default 25)
# cases per operation, derandomised generation, one worker.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
here=$(cd "$(dirname "$0")" && pwd)
tools=${MAILROOM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mailroom-tools}
venv="$tools/schemathesis-venv"
st="$venv/bin/st"

install() {
  if [[ -x $st ]] && "$st" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then return; fi
  command -v python3 >/dev/null || { echo "fuzz-api: python3 is required to install schemathesis" >&2; exit 2; }
  mkdir -p "$tools"
  [[ -x $venv/bin/pip ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
}

if [[ ${1:-} == install ]]; then
  install
  echo "$st"
  exit 0
fi

base=${1:?usage: fuzz-api.sh <base-url> <api-key> | install}
key=${2:?usage: fuzz-api.sh <base-url> <api-key> | install}
install

# Hypothesis keeps its example database and schemathesis its reports out of the work tree
# (MAILROOM_FUZZ_REPORT_DIR keeps the reports, e.g. to look at them after a failure).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reports=${MAILROOM_FUZZ_REPORT_DIR:-$work/reports}
mkdir -p "$reports"
cd "$work"

# Warnings stay on (the default set): they say when whole operations only ever got 401, 404 or 4xx for
# valid input, i.e. when the fuzz never reached a handler; see schemathesis.toml for those that fail.
status=0
"$st" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
  --header "Authorization: Bearer $key" \
  --phases examples,coverage,fuzzing \
  --max-examples "${MAILROOM_FUZZ_EXAMPLES:-25}" \
  --generation-deterministic \
  --workers 1 \
  --request-timeout 20 \
  --no-color \
  --output-truncate false \
  --report ndjson --report-ndjson-path "$reports/events.ndjson" || status=$?

# Coverage: the fuzz must reach the handlers, not only the validation and auth layers. Every operation
# is listed with the status codes it answered; the run fails unless at least MAILROOM_FUZZ_MIN_2XX
# (default 0.8) of the operations got a 2xx at least once, and names those that did not.
"$venv/bin/python" "$here/fuzz-coverage.py" "$reports/events.ndjson" "${MAILROOM_FUZZ_MIN_2XX:-0.8}" || status=$((status ? status : 1))
exit "$status"
