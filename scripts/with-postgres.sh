#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on a loopback port, then stop the server.
# Installs Debian's postgresql first when it is missing (needs root, as on CI and the dev machines).
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is set for COMMAND)
set -euo pipefail

PORT="${FUPIN_PG_PORT:-54329}"
# Another run (or a developer's server) may hold the port: take the next free one.
while (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

PGBIN="$(find_pg_bin)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/postgres" ]; then
  echo "with-postgres: installing Debian's postgresql…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  PGBIN="$(find_pg_bin)"
fi

WORK="$(mktemp -d /tmp/fupin-pg.XXXXXX)"
RUNAS=()
if [ "$(id -u)" = "0" ]; then
  # PostgreSQL refuses to run as root: run the server as the postgres user Debian creates.
  id postgres >/dev/null 2>&1 || useradd --system --home "$WORK" postgres
  chown postgres "$WORK"
  RUNAS=(runuser -u postgres --)
fi

stop() {
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  # FUPIN_PG_LOG=path keeps the server's log (with FUPIN_PG_SERVER_OPTIONS="-c log_min_duration_statement=0"
  # or "-c log_lock_waits=on", the way to see what a slow test waits for).
  if [ -n "${FUPIN_PG_LOG:-}" ]; then cp "$WORK/server.log" "$FUPIN_PG_LOG" || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

"${RUNAS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U fupin --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o \
  "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${FUPIN_PG_SERVER_OPTIONS:-}" \
  start >/dev/null
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2

export DATABASE_URL="postgres://fupin@127.0.0.1:$PORT/postgres"
"$@"
