#!/bin/bash
# Runs once, when the postgres container starts on an empty data directory
# (docker-entrypoint-initdb.d). Creates the two application roles:
#   temporal - may create databases; temporal-schema creates and owns `temporal`
#              and `temporal_visibility` with temporal-sql-tool
#   mailroom - owns the `mailroom` database (application data, `mailroom migrate`)
# Passwords come from the container environment (see docker-compose.yml).
set -euo pipefail

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${MAILROOM_DB_PASSWORD:?MAILROOM_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v mailroom_password="$MAILROOM_DB_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE temporal LOGIN CREATEDB'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'temporal')\gexec
ALTER ROLE temporal WITH LOGIN CREATEDB PASSWORD :'temporal_password';

SELECT 'CREATE ROLE mailroom LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailroom')\gexec
ALTER ROLE mailroom WITH LOGIN PASSWORD :'mailroom_password';

SELECT 'CREATE DATABASE mailroom OWNER mailroom'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'mailroom')\gexec
REVOKE ALL ON DATABASE mailroom FROM PUBLIC;
GRANT ALL ON DATABASE mailroom TO mailroom;
SQL
echo "mailroom: roles temporal, mailroom and database mailroom are ready"
