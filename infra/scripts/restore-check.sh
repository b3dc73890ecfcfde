#!/usr/bin/env bash
# Prove a backup restores: dump a Runxin database (or take an existing dump), restore it into a
# fresh database, migrate it to head, and recompute every figure from the raw records
# (`runxin rollup --full --check`): the restore counts only if 0 cells differ.
#
#   infra/scripts/restore-check.sh SOURCE_URL [--dump FILE] [--keep]
#
#   SOURCE_URL  postgresql://USER[:PASSWORD]@HOST:PORT/DB of the database to dump, as a role that
#               bypasses row-level security (a superuser or a BYPASSRLS role: the tables FORCE
#               RLS, so even their owner sees no row without it, and pg_dump stops rather than
#               write a partial dump). The fresh database is made on the same server unless
#               RESTORE_ADMIN_URL names another (postgresql://.../postgres of a role with CREATEDB).
#   --dump FILE restore this pg_dump -Fc file (e.g. last night's) instead of dumping SOURCE_URL.
#   --keep      keep the restored database (its name is printed); otherwise it is dropped.
#
# Exit status: 0 when the restored figures equal the recomputed ones, 1 when any cell differs,
# 2 on a usage or restore error. Needs pg_dump, pg_restore, psql (same major version as the
# server or newer) and runxin on PATH.
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

source_url="" dump="" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dump) [ $# -ge 2 ] || usage; dump="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    postgresql://*|postgres://*) source_url="$1"; shift ;;
    *) echo "restore-check: unexpected argument '$1': give SOURCE_URL as postgresql://USER@HOST:PORT/DB" >&2; exit 2 ;;
  esac
done
[ -n "$source_url" ] || { echo "restore-check: give SOURCE_URL (postgresql://USER@HOST:PORT/DB)" >&2; exit 2; }
for tool in pg_dump pg_restore psql runxin; do
  command -v "$tool" >/dev/null || { echo "restore-check: $tool is not on PATH; install it (runxin: pip install the project)" >&2; exit 2; }
done

server="${source_url%/*}"              # postgresql://USER@HOST:PORT
admin_url="${RESTORE_ADMIN_URL:-$server/postgres}"
target_db="runxin_restore_$(date +%Y%m%d%H%M%S)_$$"
target_url="${admin_url%/*}/$target_db"
work="$(mktemp -d)"

cleanup() {
  status=$?
  rm -rf "$work"
  if [ "$keep" -eq 0 ]; then
    psql -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "DROP DATABASE IF EXISTS \"$target_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  else
    echo "restore-check: kept the restored database $target_db"
  fi
  exit $status
}
trap cleanup EXIT

if [ -z "$dump" ]; then
  dump="$work/runxin.dump"
  echo "restore-check: dumping ${source_url%%:*}://...@${source_url##*@}"
  pg_dump --format=custom --no-password --file="$dump" --dbname="$source_url" || exit 2
fi
[ -s "$dump" ] || { echo "restore-check: the dump $dump is missing or empty" >&2; exit 2; }

echo "restore-check: restoring into the fresh database $target_db"
psql -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "CREATE DATABASE \"$target_db\"" || exit 2
# --exit-on-error: a restore that half-worked is a failed restore. Ownership and grants come back
# as they were (the roles are the cluster's: runxin_owner and runxin_app must exist there).
pg_restore --exit-on-error --no-password --dbname="$target_url" "$dump" || exit 2

# runxin's URLs name the asyncpg driver.
runxin_url="postgresql+asyncpg://${target_url#*://}"
echo "restore-check: migrating to head"
# Its output names the database URL: shown only when it fails.
if ! migrated="$(RUNXIN_DATABASE_URL="$runxin_url" runxin db upgrade 2>&1)"; then
  echo "$migrated" >&2
  exit 2
fi
echo "restore-check: recomputing every figure from the raw records"
if RUNXIN_DATABASE_URL="$runxin_url" runxin rollup --full --check; then
  echo "restore-check: OK, 0 differences"
else
  echo "restore-check: FAILED, the restored figures differ from the raw records (listed above)" >&2
  exit 1
fi
