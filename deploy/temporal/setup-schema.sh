#!/bin/sh
# One-shot: creates the Temporal databases on the shared PostgreSQL server and brings their
# schemas to the version the server ships. Runs in temporalio/admin-tools under compose, and
# unchanged on a bare machine (scripts/stack.sh, test/topology) with temporal-sql-tool on PATH
# and SCHEMA_ROOT pointing at the module's schema/postgresql/v12.
# Safe to run on every `docker compose up`: create-database tolerates an existing
# database (checked below), setup-schema keeps a newer version, update-schema only
# applies what is missing.
# Connection settings come from temporal-sql-tool's own variables:
# SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
SQL_PORT=${SQL_PORT:-5432}
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}
TEMPORAL_DB=${TEMPORAL_DB:-temporal}
VISIBILITY_DB=${VISIBILITY_DB:-temporal_visibility}

# admin-tools has busybox nc; a bare machine running this natively has PostgreSQL's pg_isready.
reachable() {
  if command -v nc >/dev/null 2>&1; then
    nc -z -w 5 "$SQL_HOST" "$SQL_PORT"
  else
    pg_isready -q -h "$SQL_HOST" -p "$SQL_PORT" -t 5
  fi
}

tries=0
until reachable; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "temporal-schema: PostgreSQL at $SQL_HOST:$SQL_PORT did not answer" >&2
    exit 1
  fi
  sleep 2
done

migrate() {
  db=$1
  dir=$2
  echo "temporal-schema: database $db"
  # Connects to the `postgres` database to create $db. An existing database is not an
  # error; a real failure shows up in setup-schema.
  temporal-sql-tool --db "$db" create-database \
    || echo "temporal-schema: create-database $db reported an error; assuming it exists"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
}

migrate "$TEMPORAL_DB" temporal
migrate "$VISIBILITY_DB" visibility
echo "temporal-schema: done"
