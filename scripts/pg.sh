#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL cluster for tests and demos.
#
#   scripts/pg.sh start DIR   creates (or reuses) a cluster in DIR, starts it
#                             on a free port (TCP 127.0.0.1 and a unix socket
#                             in DIR), creates the database "fidelis" and
#                             prints its connection URI on stdout.
#   scripts/pg.sh stop DIR    stops the cluster and removes DIR.
#   scripts/pg.sh uri DIR     prints the URI of a running cluster.
#
# Both are idempotent and never read standard input. The cluster is built
# for speed, not durability (fsync off): never keep data in it. With
# PG_DURABLE=1 it starts with PostgreSQL's durable defaults instead (fsync,
# synchronous_commit and full_page_writes on), for benchmarks
# (scripts/bench.sh pg). As root the
# server runs as the system user fidelis-pg (created if missing), since
# PostgreSQL refuses to run as root. PG_BIN overrides the server binaries
# (default /usr/lib/postgresql/15/bin).
set -euo pipefail
exec </dev/null

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=fidelis-pg # the system user the server runs as when we are root
DB_ROLE=fidelis    # the cluster's superuser, and the database's name

usage() {
  echo "usage: $0 start|stop|uri DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# Runs a command as the user the cluster belongs to.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

print_uri() {
  echo "postgresql://$DB_ROLE@127.0.0.1:$(cat "$dir/port")/$DB_ROLE"
}

running() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start() {
  [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: no PostgreSQL in $PG_BIN (scripts/deps.sh installs it)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    id -u "$PG_USER" >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
    chown "$PG_USER" "$dir"
    # the server must reach DIR through its parents
    local p=$dir
    while [ "$p" != / ]; do
      p=$(dirname "$p")
      chmod o+x "$p" 2>/dev/null || true
    done
  fi
  if running; then
    print_uri
    return
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$DB_ROLE" -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if [ ${#dir} -gt 90 ]; then
    echo "pg.sh: $dir is too long for a unix socket path" >&2
    exit 1
  fi
  local port durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PG_DURABLE:-0}" = 1 ] && durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  for _ in 1 2 3 4 5; do # another process may take the free port first
    port=$(free_port)
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir \
          $durability \
          -c max_connections=300 -c shared_buffers=32MB" >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      break
    fi
    port=""
  done
  [ -n "$port" ] || { tail -20 "$dir/server.log" >&2; exit 1; }
  as_owner "$PG_BIN/psql" -h "$dir" -p "$port" -U "$DB_ROLE" -d postgres -qAt -c \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_ROLE'" | grep -q 1 ||
    as_owner "$PG_BIN/createdb" -h "$dir" -p "$port" -U "$DB_ROLE" "$DB_ROLE"
  print_uri
}

stop() {
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  uri)
    if ! running; then
      echo "pg.sh: no cluster running in $dir" >&2
      exit 1
    fi
    print_uri
    ;;
  *) usage ;;
esac
