#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server on loopback for the tests.
#   scripts/pg_test_server.sh start   → prints the SQLAlchemy URL on stdout
#   scripts/pg_test_server.sh stop
# Installs Debian's postgresql when no server binaries are present (root only).
set -euo pipefail
PORT="${SEND_TEST_PG_PORT:-55432}"
DIR="${SEND_TEST_PG_DIR:-/tmp/send_test_pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
      if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
        BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
      else
        echo "PostgreSQL server binaries not found and not root: cannot install" >&2; exit 1
      fi
    fi
    if [ -f "$DIR/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      # already running: on the port it was started with (line 4 of postmaster.pid), not necessarily $PORT
      echo "postgresql+psycopg://postgres@127.0.0.1:$(sed -n 4p "$DIR/postmaster.pid")/postgres"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_pg "$BIN/initdb" -A trust -U postgres -D "$DIR" >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    [ -n "$BIN" ] && [ -d "$DIR" ] && as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
