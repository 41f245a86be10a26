# SPDX-License-Identifier: LGPL-2.1-or-later
# tscnsd end to end (daemon/README.md, cns-auth.md §3-§5): the daemon on loopback with a port of
# its own and the scripted pinentry (tscns-test-pinentry), the vcard through pcscd and vpcd.
if(TARGET tscnsd AND TARGET tscns-test-pinentry)
  set(TSCNS_DAEMON_E2E_ARGS $<TARGET_FILE:tscnsd> $<TARGET_FILE:tscns-test-pinentry>)
  # Status, identity, authenticate → token → tscns verify, and every error of an operation.
  tscns_add_e2e_test(e2e_daemon_flow bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon_flow.sh ${TSCNS_DAEMON_E2E_ARGS})
  # What the daemon refuses: origins, Host, headers, bodies, BUSY, the rate limit.
  tscns_add_e2e_test(e2e_daemon_reject bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon_reject.sh ${TSCNS_DAEMON_E2E_ARGS})
  # Socket-level guards: an exclusive port, percent-encoding refused on the raw bytes, other
  # local users refused (as root: a request made as uid 65534).
  tscns_add_e2e_test(e2e_daemon_hardening bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon_hardening.sh ${TSCNS_DAEMON_E2E_ARGS})
  # Real tokens rejected by tscns verify (origin, context, signature, CA, dates, CRL, policy, CF).
  tscns_add_e2e_test(e2e_daemon_verify bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon_verify.sh ${TSCNS_DAEMON_E2E_ARGS})
  # Headless Chromium + cns-auth.js + a test portal running tscns verify (tests/browser).
  tscns_add_e2e_test(e2e_daemon_browser bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon_browser.sh ${TSCNS_DAEMON_E2E_ARGS})
  # The benchmark (bench/daemon) once, quickly, to prove it runs and prints its table.
  tscns_add_e2e_test(e2e_daemon_bench_smoke bash ${CMAKE_SOURCE_DIR}/bench/daemon/daemon_bench.sh --smoke)
  set_property(TEST e2e_daemon_bench_smoke APPEND PROPERTY ENVIRONMENT
    "TSCNSD=$<TARGET_FILE:tscnsd>" "TSCNS_TEST_PINENTRY=$<TARGET_FILE:tscns-test-pinentry>")
endif()
