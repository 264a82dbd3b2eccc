# Sourced by scripts/test.sh: makes sure the tests can reach a PostgreSQL server. Uses
# OCEANOS_TEST_PG_URL if set, else the local server on 127.0.0.1:5432 if it accepts the
# postgres user, else starts a throwaway cluster (trust auth, unix socket) for this run.
# Where none of that works, the PostgreSQL tests skip and say why.

pg_accepts() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

start_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] || return 1
  OCEANOS_PG_DIR=$(mktemp -d /tmp/oceanos-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || return 1
    chown postgres "$OCEANOS_PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$OCEANOS_PG_DIR/data" -A trust -U postgres >/dev/null || return 1
  "${run[@]}" "$bindir/pg_ctl" -D "$OCEANOS_PG_DIR/data" -l "$OCEANOS_PG_DIR/log" -w \
    -o "-k $OCEANOS_PG_DIR -p 55432 -c listen_addresses= -c max_connections=200" start >/dev/null || return 1
  export OCEANOS_TEST_PG_URL="postgres://postgres@localhost:55432/postgres?host=$OCEANOS_PG_DIR"
  trap 'stop_throwaway_postgres' EXIT
}

stop_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  local run=()
  [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bindir/pg_ctl" -D "$OCEANOS_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$OCEANOS_PG_DIR"
}

ensure_test_postgres() {
  if [ -n "${OCEANOS_TEST_PG_URL:-}" ]; then return 0; fi
  if command -v psql >/dev/null && pg_accepts 'postgres://postgres@127.0.0.1:5432/postgres'; then return 0; fi
  if start_throwaway_postgres; then
    echo "test: started a throwaway PostgreSQL in $OCEANOS_PG_DIR" >&2
  else
    echo "test: no PostgreSQL server can be reached or started here" >&2
  fi
}
