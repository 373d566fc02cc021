#!/bin/sh
# Creates the Temporal databases and brings both schemas to the version shipped with this
# admin-tools image. Every step is idempotent: re-running it (on each `docker compose up`, or after
# an upgrade of the images) only applies schema versions that are missing.
set -eu

: "${POSTGRES_SEEDS:=postgresql}"
: "${DB_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${DB:=postgres12}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "Waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}..."
tries=0
until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "PostgreSQL did not open ${POSTGRES_SEEDS}:${DB_PORT} within 60 s" >&2
    exit 1
  fi
  sleep 1
done

sql_tool() {
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for database in temporal temporal_visibility; do
  case "$database" in
    temporal) versioned="$SCHEMA_DIR/temporal/versioned" ;;
    *) versioned="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  echo "Setting up database ${database}..."
  sql_tool --db "$database" create
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$versioned"
done

echo "Temporal schemas are up to date"
