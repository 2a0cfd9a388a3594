#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: trust auth on 127.0.0.1 only,
# fsync off, files in a temporary folder that `stop` deletes. Nothing here is fit for data
# you want to keep.
#
#   bash scripts/postgres.sh start   # (re)create and start it; prints NAME=VALUE lines
#   bash scripts/postgres.sh stop    # stop it and delete its files (no-op if not running)
#
# `start` prints TUNING_TEST_PG_URL (the server's URL, without a database) and
# TUNING_TEST_PG_BIN (the server binaries, so tests can stop and restart it); everything
# else goes to stderr. PGPORT (default 55432, not Debian's 5432) and PGROOT choose the
# cluster. As root the server runs as user postgres, as anyone else as that user.
set -euo pipefail

PGPORT=${PGPORT:-55432}
PGROOT=${PGROOT:-/tmp/sweetspot-pg-$PGPORT} # outside /root: user postgres must reach it
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
DATA=$PGROOT/data

[ -x "$PGBIN/pg_ctl" ] || {
  echo "no PostgreSQL server binaries (install the 'postgresql' package, or set PGBIN)" >&2
  exit 1
}

# Run a server command as the cluster's owner; from / because postgres cannot read root's cwd.
as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
  rm -rf "$PGROOT"
}

start() {
  stop # a leftover cluster from an interrupted run
  if [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres -m 0700 "$PGROOT"
  else
    install -d -m 0700 "$PGROOT"
  fi
  as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log"
  # In the config file rather than on the command line, so a plain `pg_ctl start` (a test
  # restarting the server) brings it back the same.
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGROOT'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$PGROOT/server.log" -w -t 60 start >&2
  echo "TUNING_TEST_PG_URL=postgresql+psycopg2://postgres@127.0.0.1:$PGPORT"
  echo "TUNING_TEST_PG_BIN=$PGBIN"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
