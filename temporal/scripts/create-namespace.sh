#!/bin/sh
# Registers the namespace (default: "default") once the Temporal frontend answers; does nothing if
# it already exists.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${NAMESPACE:=default}"
: "${NAMESPACE_RETENTION:=72h}"

echo "Waiting for the Temporal server at ${TEMPORAL_ADDRESS}..."
tries=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Temporal at ${TEMPORAL_ADDRESS} was not healthy within 2 minutes" >&2
    temporal operator cluster health --address "$TEMPORAL_ADDRESS" || true
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  echo "Namespace '${NAMESPACE}' already exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$NAMESPACE_RETENTION" \
    --address "$TEMPORAL_ADDRESS"
  echo "Namespace '${NAMESPACE}' created (retention ${NAMESPACE_RETENTION})"
fi
