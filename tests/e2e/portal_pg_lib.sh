#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A throwaway PostgreSQL server for the portal's end-to-end tests. Source it after lib.sh, then
# call pg_start: a fresh cluster in $E2E_TMP/pg on a free loopback port, with a database and a
# password (SCRAM) user of its own, stopped at exit with no postgres process left behind.
#
# As root the server runs as the `postgres` system user (initdb and postgres refuse root);
# otherwise as the current user. Environment: PG_BINDIR (optional) names the directory of
# initdb, pg_ctl and postgres; by default the newest /usr/lib/postgresql/*/bin.

PG_URL=""     # postgresql://USER:PASSWORD@127.0.0.1:PORT/DB, set by pg_start
PG_PORT=""    # the server's TCP port on 127.0.0.1
PG_BIN=""     # the directory of initdb, pg_ctl, postgres
PG_DIR=""     # the cluster's directory (data/, sock/)
PG_PID=""     # the postmaster
PG_RUN=()     # command prefix that runs a program as the cluster's owner
PG_PSQL=""    # psql
PG_PASSWORD="" # the test user's password (random, per run)
PG_USER=tscns_portal_test
PG_DB=tscns_portal_test

# pg__bindir: the directory with initdb, pg_ctl and postgres, or nothing.
pg__bindir() {
  local d
  if [[ -n ${PG_BINDIR:-} ]]; then
    [[ -x $PG_BINDIR/postgres && -x $PG_BINDIR/initdb ]] && echo "$PG_BINDIR"
    return 0
  fi
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]]; then
      echo "$d"
      return 0
    fi
  done
}

# pg__as_owner COMMAND...: runs COMMAND as the cluster's owner, in a directory it can read.
pg__as_owner() { (cd "$PG_DIR" && "${PG_RUN[@]}" "$@"); }

# pg__free_port: a loopback TCP port for the server (26000-26999; not the daemon tests' range).
pg__free_port() { e2e_free_port 26000 26999; }

# pg_start: initializes and starts the server, creates the test user and database, sets PG_URL
# and PG_PORT. Stopped at exit (or by pg_stop).
pg_start() {
  PG_BIN=$(pg__bindir)
  [[ -n $PG_BIN ]] || e2e_fail "the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/postgres): install it: bash scripts/install-deps.sh"
  command -v psql >/dev/null || [[ -x $PG_BIN/psql ]] || e2e_fail "psql is not installed: install it: bash scripts/install-deps.sh"
  PG_DIR=$E2E_TMP/pg
  mkdir -p "$PG_DIR/sock"
  local log=$E2E_TMP/postgres.log
  : >"$log"
  if ((EUID == 0)); then
    getent passwd postgres >/dev/null \
      || e2e_fail "no 'postgres' system user (Debian's postgresql package creates it): install it: bash scripts/install-deps.sh"
    PG_RUN=(runuser -u postgres --)
    chmod 711 "$E2E_TMP" # postgres reaches its own directory, and nothing else in there
    chown -R postgres: "$PG_DIR" "$log"
  else
    PG_RUN=()
  fi
  chmod 700 "$PG_DIR"
  pg__as_owner test -w "$PG_DIR" \
    || e2e_fail "the postgres user cannot reach $PG_DIR: pick a TMPDIR every user can traverse"
  e2e_at_exit pg_stop

  PG_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  pg__as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; e2e_fail "initdb failed (see postgres.log)"; }

  local attempt started=""
  for attempt in 1 2 3; do
    PG_PORT=$(pg__free_port)
    pg__as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40 -c shared_buffers=32MB" \
      start >/dev/null 2>&1 && { started=1; break; }
    pg__read_pid
    pg_stop
    e2e_log "postgres did not start on port $PG_PORT (attempt $attempt)"
  done
  [[ -n $started ]] || { tail -n 20 "$log" >&2; e2e_fail "postgres does not start (see postgres.log)"; }
  pg__read_pid
  e2e_log "started PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (pid $PG_PID)"

  PG_PSQL=$PG_BIN/psql
  [[ -x $PG_PSQL ]] || PG_PSQL=$(command -v psql)
  pg__as_owner "$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres -d postgres \
    -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'" \
    -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; e2e_fail "cannot create the test user and database"; }
  PG_URL="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  export PG_URL PG_PORT
}

# pg_psql SQL: runs SQL in the test database as the superuser (over the cluster's socket) and
# prints the result unaligned, one row a line.
pg_psql() {
  pg__as_owner "$PG_PSQL" -X -qAt -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres \
    -d "$PG_DB" -c "$1"
}

# pg__read_pid: PG_PID from the cluster's postmaster.pid (empty when there is none).
pg__read_pid() {
  PG_PID=""
  [[ -f $PG_DIR/data/postmaster.pid ]] && PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  return 0
}

# pg_stop: stops the server (fast shutdown), then makes sure its postmaster and every child of it
# are gone (immediate shutdown, then KILL). Safe to call twice.
pg_stop() {
  [[ -n $PG_DIR && -d $PG_DIR/data ]] || return 0
  [[ -n $PG_PID ]] || pg__read_pid
  if [[ -f $PG_DIR/data/postmaster.pid ]]; then
    pg__as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || pg__as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 10 stop >/dev/null 2>&1
  fi
  if [[ -n $PG_PID ]]; then
    local _ children=()
    for _ in $(seq 50); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$PG_PID" 2>/dev/null; then
      mapfile -t children < <(pgrep -P "$PG_PID")
      kill -KILL "$PG_PID" "${children[@]}" 2>/dev/null
      e2e_log "killed postgres $PG_PID ${children[*]}"
    fi
    PG_PID=""
  fi
  return 0
}
