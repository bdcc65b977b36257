#!/bin/sh
# One-shot: waits for the Temporal frontend, registers the namespace and the custom search
# attributes mailroom's workflows carry. Idempotent. Runs in temporalio/admin-tools under
# compose, and unchanged on a bare machine with the temporal CLI on PATH.
set -eu

ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${NAMESPACE:-default}
RETENTION=${NAMESPACE_RETENTION:-72h}
# name:type pairs
SEARCH_ATTRIBUTES=${SEARCH_ATTRIBUTES:-"TenantId:Keyword UserId:Keyword TaskKind:Keyword"}
ATTEMPTS=${ATTEMPTS:-60}

retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge "$ATTEMPTS" ]; then
      echo "temporal-namespace: giving up on: $*" >&2
      return 1
    fi
    sleep 2
  done
}

echo "temporal-namespace: waiting for $ADDRESS"
retry temporal operator cluster health --address "$ADDRESS" >/dev/null

if temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "temporal-namespace: namespace $NAMESPACE exists"
else
  retry temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "temporal-namespace: namespace $NAMESPACE created"
fi

# The namespace cache of the frontend may lag a fresh registration for a few seconds.
retry temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null

has_attribute() {
  temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" | grep -qw "$1"
}

for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%:*}
  type=${pair#*:}
  if has_attribute "$name"; then
    echo "temporal-namespace: search attribute $name exists"
    continue
  fi
  retry temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
    --name "$name" --type "$type"
  echo "temporal-namespace: search attribute $name ($type) created"
done

for pair in $SEARCH_ATTRIBUTES; do
  retry has_attribute "${pair%%:*}"
done
echo "temporal-namespace: done"
