# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal end to end: its database contract on a throwaway PostgreSQL (portal_pg_lib.sh).
if(TARGET portal_unit_tests)
  tscns_add_e2e_test(e2e_portal_db_pg bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_db_pg.sh $<TARGET_FILE:portal_unit_tests>)
endif()
# The login flows over HTTPS with curl (desk, first access, SMS login, CSRF, replay, brute
# force, renewal), on SQLite and on a throwaway PostgreSQL.
if(TARGET tscns-portal)
  tscns_add_e2e_test(e2e_portal_flows_sqlite bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_flows.sh $<TARGET_FILE:tscns-portal> sqlite)
  tscns_add_e2e_test(e2e_portal_flows_postgresql bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_flows.sh $<TARGET_FILE:tscns-portal> postgresql)
endif()
