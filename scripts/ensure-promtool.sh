#!/usr/bin/env bash
# Sourced by scripts/test.sh: makes `promtool` (Debian's prometheus package) available to the tests of
# deploy/prometheus (test/operations), installing it with apt-get when missing. Exports MAILROOM_PROMTOOL.
# Waits for a dpkg lock another install holds rather than failing.
if [ -z "${MAILROOM_PROMTOOL:-}" ]; then
  if ! command -v promtool >/dev/null 2>&1; then
    echo "test: installing promtool (Debian's prometheus package)…"
    sudo_cmd=()
    [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
    apt_get=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq)
    # --no-install-recommends: the tool only; the package's service stays stopped in containers.
    if ! "${apt_get[@]}" install --no-install-recommends prometheus >/dev/null; then
      "${apt_get[@]}" update >/dev/null && "${apt_get[@]}" install --no-install-recommends prometheus >/dev/null
    fi
  fi
  MAILROOM_PROMTOOL="$(command -v promtool)"
  export MAILROOM_PROMTOOL
fi
