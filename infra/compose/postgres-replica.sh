#!/bin/bash
# The compose standby: clone the primary once (pg_basebackup -R), then run as a hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U replicator; do sleep 1; done
  pg_basebackup -h postgres -U replicator -D "$PGDATA" -X stream -R -C -S replica1 --no-password
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c max_standby_streaming_delay=30s
