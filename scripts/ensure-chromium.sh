#!/usr/bin/env bash
# Sourced by scripts/test.sh: the browser tests (test/browser) drive Debian's chromium through
# playwright-core; no browser is downloaded at run time. Installs the package when it is missing and
# exports MAILROOM_CHROMIUM, its path (set it yourself to use another Chromium).
if [ -n "${MAILROOM_CHROMIUM:-}" ] && [ -x "$MAILROOM_CHROMIUM" ]; then return 0; fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing chromium from Debian's packages…"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
MAILROOM_CHROMIUM="$(command -v chromium)"
export MAILROOM_CHROMIUM
