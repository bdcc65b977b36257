#!/usr/bin/env bash
# Fuzzes a running mailroom API against its own description (GET /openapi.json) with schemathesis:
# fails on any 5xx and on any answer the description does not allow (status, content type, body schema,
# headers), and on valid input refused or invalid input accepted.
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

# Hypothesis keeps its example database and schemathesis its reports out of the work tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$st" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
  --header "Authorization: Bearer $key" \
  --phases examples,coverage,fuzzing \
  --max-examples "${MAILROOM_FUZZ_EXAMPLES:-25}" \
  --generation-deterministic \
  --workers 1 \
  --request-timeout 20 \
  --no-color \
  --output-truncate false \
  --warnings off
