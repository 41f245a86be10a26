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

# A fake SMS gateway (JSON lines of every POST; 503 to the first N) for the gateway tests.
if(TARGET tscns-portal)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PORTAL_E2E_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
  add_executable(tscns-test-sms-gateway ${CMAKE_CURRENT_SOURCE_DIR}/fake_sms_gateway.cpp)
  target_link_libraries(tscns-test-sms-gateway PRIVATE PkgConfig::PORTAL_E2E_HTTPLIB
                        nlohmann_json::nlohmann_json Threads::Threads tscns::warnings)
  # The desk's and the OTP's SMS through the gateway (token, retry, nothing in the outbox).
  tscns_add_e2e_test(e2e_portal_gateway bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_gateway.sh
    $<TARGET_FILE:tscns-portal> $<TARGET_FILE:tscns-test-sms-gateway>)
  # Two instances on one database: a login started on one completes on the other; the code's
  # tries and the password throttle are shared. On PostgreSQL and on one SQLite file (WAL).
  tscns_add_e2e_test(e2e_portal_multi_postgresql bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_multi.sh
    $<TARGET_FILE:tscns-portal> postgresql)
  tscns_add_e2e_test(e2e_portal_multi_sqlite bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_multi.sh
    $<TARGET_FILE:tscns-portal> sqlite)
endif()
