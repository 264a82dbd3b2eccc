#!/usr/bin/env bash
# Runs the whole test suite: type check, then every *.test.ts (unit, API on SQLite and
# PostgreSQL, end to end with real clients). `npm test` runs scripts/setup.sh --test first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-postgres.sh
ensure_test_postgres

# Whatever the tests put in the temporary directory (data dirs, homes, images) goes into one
# folder of this run, removed when the run ends, however it ends. A short name: VM sockets live
# below it, and a unix socket path holds 107 bytes (backends/qemu/qemu-backend.ts).
run_tmp=$(mktemp -d /tmp/oct.XXXXXX)
# Others may pass through it (not list it): Swift's servers, which the differential suite
# starts, drop to the swift user and read their configs below it.
chmod 711 "$run_tmp"
export TMPDIR=$run_tmp
trap 'rm -rf "$run_tmp"; if [ -n "${OCEANOS_PG_DIR:-}" ]; then stop_throwaway_postgres; fi' EXIT

echo "test: type check" >&2
npx --no-install tsc -p tsconfig.json

mapfile -t files < <(find packages test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "test: ${#files[@]} test files" >&2
node --import tsx --test --test-timeout=300000 "${files[@]}"
