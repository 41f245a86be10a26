#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The portal's database contract (tests/unit/portal/db_test.cpp) on a real PostgreSQL: a
# throwaway server (portal_pg_lib.sh), then `portal_unit_tests db` with TSCNS_PORTAL_TEST_PG,
# twice, so that a rerun on the same database is proven to start clean.
#
# Usage: portal_db_pg.sh PORTAL_UNIT_TESTS (ctest passes it; see portal.cmake). lib.sh needs
# TSCNS_VCARD in the environment, as ctest sets it.
PORTAL_UNIT_TESTS=${1:-${PORTAL_UNIT_TESTS:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/portal_pg_lib.sh"
[[ -x $PORTAL_UNIT_TESTS ]] || e2e_fail "usage: portal_db_pg.sh PORTAL_UNIT_TESTS (got '$PORTAL_UNIT_TESTS')"

pg_start

# run_db_group OUT: runs the db group on the server, its output to OUT and to stderr.
run_db_group() {
  local out=$1 rc=0
  TSCNS_PORTAL_TEST_PG=$PG_URL "$PORTAL_UNIT_TESTS" db >"$out" 2>&1 || rc=$?
  cat "$out" >&2
  return "$rc"
}
ran_on_postgres() { grep -q 'OK \] pg_lostConnection_transportThenRecovers' "$1"; }
no_password_in() { ! grep -qF "$PG_PASSWORD" "$1"; }
no_test_tables_left() {
  local n
  n=$(pg_psql "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'db\_test\_%'") || return 1
  [[ $n == 0 ]] || { e2e_log "$n db_test_ tables left"; return 1; }
}

e2e_check "portal_unit_tests db passes on PostgreSQL" run_db_group "$E2E_TMP/db1.out"
e2e_check "the PostgreSQL group ran" ran_on_postgres "$E2E_TMP/db1.out"
e2e_check "portal_unit_tests db passes again on the same database" run_db_group "$E2E_TMP/db2.out"
e2e_check "the tests leave no table behind" no_test_tables_left
e2e_check "no password in the tests' output" no_password_in "$E2E_TMP/db1.out"
e2e_summary
