#!/usr/bin/env bash
# Sourced by scripts/test.sh: makes a PostgreSQL server answer for the tests and exports
# MAILROOM_TEST_PG_URL. Installs Debian's postgresql when it is missing, and starts a throwaway cluster
# under /tmp when nothing answers. Sets MAILROOM_TEST_PG_STARTED to the data dir it started, if any.
if [ -n "${MAILROOM_TEST_PG_URL:-}" ]; then return 0; fi
pg_port="${MAILROOM_TEST_PG_PORT:-55432}"
export MAILROOM_TEST_PG_URL="postgres://postgres@127.0.0.1:${pg_port}/postgres"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$pg_bin" ]; then
  echo "test: installing PostgreSQL from Debian's packages…"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

if "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then return 0; fi

pg_data="/tmp/mailroom-test-pg-${pg_port}"
# PostgreSQL refuses to run as root: run it as the postgres user the package created.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  as_pg=(runuser -u postgres --)
fi
if [ ! -s "$pg_data/PG_VERSION" ]; then
  rm -rf "$pg_data" && mkdir -p "$pg_data"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_data"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust >/dev/null
fi
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
  -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null
export MAILROOM_TEST_PG_STARTED="$pg_data"
export MAILROOM_TEST_PG_STOP="${as_pg[*]} $pg_bin/pg_ctl -D $pg_data -m fast stop"
