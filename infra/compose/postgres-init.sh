#!/bin/bash
# First start of the compose primary: the owner of the tables, the application role (the
# migrations find it and grant it what it needs), the replication role, and its pg_hba line.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE runxin_owner LOGIN PASSWORD 'runxin_owner';
CREATE DATABASE runxin OWNER runxin_owner;
CREATE ROLE runxin_app LOGIN PASSWORD 'runxin_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE replicator LOGIN REPLICATION PASSWORD 'replicator';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
