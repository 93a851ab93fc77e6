#!/bin/bash
# Run once by the postgres image when the primary's data folder is created: let the app's user stream the WAL
# to replicas over the compose network (docker-compose.yml).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "ALTER ROLE \"$POSTGRES_USER\" REPLICATION"
echo "host replication $POSTGRES_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
