#!/usr/bin/env bash
# `npm run stack`: the production topology of docker-compose.yml on this machine, without Docker, from the
# same deploy/ files: a throwaway PostgreSQL cluster in the data dir, Temporal's schema setup
# (deploy/temporal/setup-schema.sh), the Temporal server (deploy/temporal/config/temporal.yaml), the
# namespace and search attributes (deploy/temporal/create-namespace.sh), the Temporal Web UI, Mailpit,
# `mailroom migrate`, the compiled `mailroom api`, two `mailroom worker` and one `mailroom worker --bulk`
# (MAILROOM_BULK_WORKERS=separate, as compose). Prints the URLs;
# Ctrl-C stops everything it started (workers first, gracefully), and the data stays for the next run.
#
# Builds, once per machine, into ~/.cache/mailroom/: the Temporal server, temporal-sql-tool, the UI server
# and Mailpit, with `go install` at the versions of deploy/versions.env (a cold build takes many minutes).
#
# Settings (environment): MAILROOM_DATA_DIR (./data; the stack lives in <it>/stack), STACK_WORKERS (2),
# PORT (3000), STACK_PG_PORT (55433), TEMPORAL_PORT (7233; the server's other ports follow it),
# TEMPORAL_UI_PORT (8080), MAILPIT_SMTP_PORT (1025), MAILPIT_UI_PORT (8025), STACK_WORKER_HEALTH_PORT (9464,
# the first worker's /healthz and /metrics; the others, the bulk worker last, take the next ports),
# MAILROOM_EMAIL_RATE (50).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/ensure-node-modules.sh

data_dir=$(realpath -m "${MAILROOM_DATA_DIR:-./data}")
stack="$data_dir/stack"
workers=${STACK_WORKERS:-2}
api_port=${PORT:-3000}
pg_port=${STACK_PG_PORT:-55433}
temporal_port=${TEMPORAL_PORT:-7233}
ui_port=${TEMPORAL_UI_PORT:-8080}
smtp_port=${MAILPIT_SMTP_PORT:-1025}
mailpit_ui_port=${MAILPIT_UI_PORT:-8025}
health_port=${STACK_WORKER_HEALTH_PORT:-9464}
mkdir -p "$stack/logs" "$stack/files"
log() { echo "stack: $*"; }

# --- programs -----------------------------------------------------------------------------------------------
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$pg_bin" ]; then
  log "installing PostgreSQL from Debian's packages…"
  sudo_=()
  [ "$(id -u)" = 0 ] || sudo_=(sudo)
  "${sudo_[@]}" apt-get update -qq
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
log "building what is missing (once per machine)…"
# shellcheck source=scripts/ensure-go-tools.sh
source scripts/ensure-go-tools.sh cli server mailpit || true
[ -n "$TEMPORAL_SERVER_DIR" ] || { log "no Temporal server: install Go (https://go.dev/dl/) and retry"; exit 1; }
[ -n "$TEMPORAL_CLI_DIR" ] || { log "no temporal CLI: install Go and retry"; exit 1; }
[ -n "$MAILPIT_DIR" ] || { log "no Mailpit: install Go and retry"; exit 1; }
source scripts/ensure-go-tools.sh ui || log "the Temporal Web UI server could not be built: running without it"
export PATH="$TEMPORAL_SERVER_DIR:$TEMPORAL_CLI_DIR:$pg_bin:$PATH"

if [ ! -f dist/cli/main.js ] || [ -n "$(find src package.json tsconfig.build.json -newer dist/cli/main.js -print -quit)" ]; then
  log "compiling mailroom (npm run build)…"
  npm run --silent build >"$stack/logs/build.log" 2>&1 || { tail -n 30 "$stack/logs/build.log"; exit 1; }
fi

# --- every port it needs is free (a server already there would be talked to instead of ours) -----------------
temporal_ports=("$temporal_port" $((temporal_port + 10)) $((temporal_port - 300)) $((temporal_port + 1))
  $((temporal_port - 299)) $((temporal_port + 2)) $((temporal_port - 298)) $((temporal_port + 6)) $((temporal_port - 294)))
for port in "$api_port" "$pg_port" "${temporal_ports[@]}" "$ui_port" "$smtp_port" "$mailpit_ui_port" \
  $(seq "$health_port" $((health_port + workers - 1))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use: stop what listens there, or choose other ports (see the top of $0)"
    exit 1
  fi
done

# --- everything started is stopped on the way out, last started first ----------------------------------------
pids=()
names=()
pg_started=
stop_all() {
  trap - INT TERM EXIT
  echo
  log "stopping…"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    # Workers and the API stop gracefully (activities finish or hand back; requests drain).
    for _ in $(seq 1 600); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[i]}" 2>/dev/null || true
  done
  if [ -n "$pg_started" ]; then "${as_pg[@]}" pg_ctl -D "$stack/postgres" -m fast -w stop >/dev/null || true; fi
  log "stopped; the data is kept in $stack (delete it for a fresh start)"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
background() { # NAME COMMAND...: runs it with its output in logs/NAME.log
  local name=$1
  shift
  "$@" >>"$stack/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# --- PostgreSQL: a throwaway cluster in the data dir (it refuses to run as root: the postgres user runs it) ----
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  as_pg=(runuser -u postgres --)
fi
secret() { # a generated password or key, kept in the stack dir
  [ -s "$stack/$1" ] || (umask 077 && openssl rand -hex 24 >"$stack/$1")
  cat "$stack/$1"
}
temporal_pw=$(secret temporal-db-password)
mailroom_pw=$(secret mailroom-db-password)
link_secret=$(secret link-secret)
if [ ! -s "$stack/postgres/PG_VERSION" ]; then
  log "creating the PostgreSQL cluster in $stack/postgres"
  mkdir -p "$stack/postgres"
  [ "$(id -u)" = 0 ] && chown postgres "$stack/postgres"
  "${as_pg[@]}" initdb -D "$stack/postgres" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  new_cluster=1
fi
touch "$stack/logs/postgres.log"
[ "$(id -u)" = 0 ] && chown postgres "$stack/logs/postgres.log"
"${as_pg[@]}" pg_ctl -D "$stack/postgres" -l "$stack/logs/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $stack/postgres -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
pg_started=1
if [ -n "${new_cluster:-}" ]; then
  # The same roles and database as compose's first start (docker-entrypoint-initdb.d).
  "${as_pg[@]}" env PGHOST="$stack/postgres" PGPORT="$pg_port" POSTGRES_USER=postgres \
    TEMPORAL_DB_PASSWORD="$temporal_pw" MAILROOM_DB_PASSWORD="$mailroom_pw" \
    bash deploy/postgres/initdb/10-roles-and-databases.sh
fi

# --- Temporal: schema, server, namespace, UI -------------------------------------------------------------------
log "Temporal schema (deploy/temporal/setup-schema.sh)"
SQL_PLUGIN=postgres12 SQL_HOST=127.0.0.1 SQL_PORT=$pg_port SQL_USER=temporal SQL_PASSWORD=$temporal_pw \
  SCHEMA_ROOT="$TEMPORAL_SERVER_DIR/schema/postgresql/v12" sh deploy/temporal/setup-schema.sh \
  >>"$stack/logs/temporal-schema.log" 2>&1 || {
  tail -n 20 "$stack/logs/temporal-schema.log"
  exit 1
}
log "Temporal server"
background temporal env LOG_LEVEL=warn POSTGRES_SEEDS=127.0.0.1 DB_PORT="$pg_port" POSTGRES_USER=temporal \
  POSTGRES_PWD="$temporal_pw" DBNAME=temporal VISIBILITY_DBNAME=temporal_visibility NUM_HISTORY_SHARDS=64 \
  BIND_ON_IP=127.0.0.1 FRONTEND_GRPC_PORT="$temporal_port" FRONTEND_HTTP_PORT=$((temporal_port + 10)) \
  FRONTEND_MEMBERSHIP_PORT=$((temporal_port - 300)) HISTORY_GRPC_PORT=$((temporal_port + 1)) \
  HISTORY_MEMBERSHIP_PORT=$((temporal_port - 299)) MATCHING_GRPC_PORT=$((temporal_port + 2)) \
  MATCHING_MEMBERSHIP_PORT=$((temporal_port - 298)) WORKER_GRPC_PORT=$((temporal_port + 6)) \
  WORKER_MEMBERSHIP_PORT=$((temporal_port - 294)) \
  DYNAMIC_CONFIG_FILE_PATH="$root/deploy/temporal/dynamicconfig/mailroom.yaml" \
  temporal-server --config-file "$root/deploy/temporal/config/temporal.yaml" start
log "namespace and search attributes (deploy/temporal/create-namespace.sh)"
TEMPORAL_ADDRESS=127.0.0.1:$temporal_port sh deploy/temporal/create-namespace.sh >>"$stack/logs/temporal-namespace.log" 2>&1 || {
  tail -n 20 "$stack/logs/temporal-namespace.log" "$stack/logs/temporal.log"
  exit 1
}
ui_url="(not built)"
if [ -n "${TEMPORAL_UI_DIR:-}" ]; then
  background temporal-ui env TEMPORAL_ADDRESS=127.0.0.1:$temporal_port TEMPORAL_UI_PORT="$ui_port" \
    "$TEMPORAL_UI_DIR/temporal-ui-server" --root "$TEMPORAL_UI_DIR" --env docker start
  ui_url="http://127.0.0.1:$ui_port"
fi

# --- Mailpit -----------------------------------------------------------------------------------------------------
background mailpit env MP_MAX_MESSAGES=50000 "$MAILPIT_DIR/mailpit" --smtp "127.0.0.1:$smtp_port" \
  --listen "127.0.0.1:$mailpit_ui_port" --database "$stack/mailpit.db" --smtp-auth-accept-any --smtp-auth-allow-insecure

# --- mailroom ----------------------------------------------------------------------------------------------------
export NODE_ENV=production DATABASE_URL="postgres://mailroom:$mailroom_pw@127.0.0.1:$pg_port/mailroom"
export TEMPORAL_ADDRESS=127.0.0.1:$temporal_port TEMPORAL_NAMESPACE=default SMTP_URL=smtp://127.0.0.1:$smtp_port
export MAILROOM_DATA_DIR="$stack/files" LINK_SECRET=$link_secret PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://localhost:$api_port}
export MAIL_FROM=${MAIL_FROM:-mailroom <no-reply@mailroom.localhost>} MAILROOM_EMAIL_RATE=${MAILROOM_EMAIL_RATE:-50}
export LOG_LEVEL=${LOG_LEVEL:-info} MAILROOM_BULK_WORKERS=separate
log "mailroom migrate"
node dist/cli/main.js migrate >>"$stack/logs/migrate.log" 2>&1 || { tail -n 20 "$stack/logs/migrate.log"; exit 1; }
for ((w = 1; w <= workers; w++)); do
  # Resting memory: the worker unit's settings (deploy/systemd/mailroom-worker@.service).
  background "worker-$w" env MAILROOM_WORKER_HEALTH_PORT=$((health_port + w - 1)) MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS=--max-semi-space-size=4 node dist/cli/main.js worker
done
# The bulk lane (large exports and sends, niced), on the health port after the workers'.
background worker-bulk env MAILROOM_WORKER_HEALTH_PORT=$((health_port + workers)) MALLOC_ARENA_MAX=2 \
  NODE_OPTIONS=--max-semi-space-size=4 node dist/cli/main.js worker --bulk
background api env PORT="$api_port" node dist/cli/main.js api
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 || { tail -n 20 "$stack/logs/api.log"; exit 1; }

cat <<EOF

mailroom's production topology is running (logs in $stack/logs/):
  API           http://localhost:$api_port   (/readyz, /openapi.json)
  Temporal UI   $ui_url
  Temporal      127.0.0.1:$temporal_port  (temporal --address 127.0.0.1:$temporal_port workflow list)
  Mailpit       http://127.0.0.1:$mailpit_ui_port   (SMTP on 127.0.0.1:$smtp_port)
  PostgreSQL    127.0.0.1:$pg_port  (databases temporal, temporal_visibility, mailroom)
  workers       $workers and 1 bulk  (health: http://127.0.0.1:$health_port/healthz, then the next ports)
An API key:  DATABASE_URL='$DATABASE_URL' node bin/mailroom.js users create --tenant acme --email you@acme.test
Ctrl-C stops everything.
EOF

# Runs until Ctrl-C, or until one of its processes dies (then says which, and stops the rest).
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      log "${names[i]} exited; see $stack/logs/${names[i]}.log"
      tail -n 10 "$stack/logs/${names[i]}.log"
      exit 1
    fi
  done
  sleep 1
done
