#!/usr/bin/env bash
# Sourced by scripts/test.sh: makes `promtool` (Debian's prometheus package) available to the tests of
# deploy/prometheus (test/operations/promtool.test.ts), installing it with apt-get when missing, and
# exports its path as MAILROOM_PROMTOOL. Waits for a dpkg lock another install holds rather than failing.
# When it cannot be installed, it says so and the promtool tests fail naming it: never a silent skip.
if [ -z "${MAILROOM_PROMTOOL:-}" ]; then
  if ! command -v promtool >/dev/null 2>&1; then
    echo "test: installing promtool (Debian's prometheus package)…"
    promtool_apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq)
    [ "$(id -u)" = 0 ] || promtool_apt=(sudo "${promtool_apt[@]}")
    # --no-install-recommends: the tool only; the package's service is not wanted.
    "${promtool_apt[@]}" install --no-install-recommends prometheus >/dev/null 2>&1 \
      || { "${promtool_apt[@]}" update >/dev/null 2>&1 \
        && "${promtool_apt[@]}" install --no-install-recommends prometheus >/dev/null 2>&1; } \
      || echo "test: WARNING: could not install promtool (apt-get install prometheus); its tests will fail" >&2
  fi
  MAILROOM_PROMTOOL="$(command -v promtool || true)"
  export MAILROOM_PROMTOOL
fi
