# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages end to end (docs/packages.md; included by tests/e2e/CMakeLists.txt): built
# with scripts/package.sh in ${CMAKE_BINARY_DIR}/deb-build (reused: later runs are incremental),
# installed with apt-get, used (tools, the PKCS#11 module through pcscd + vpcd, a token from the
# installed tscnsd checked by examples/verifier-consumer built with CMake and with pkg-config),
# then purged. Root only: it changes the system's package set, and leaves it as it found it.
if(TARGET tscns-test-pinentry)
  tscns_add_e2e_test(e2e_packages bash ${CMAKE_CURRENT_SOURCE_DIR}/packages.sh
    ${CMAKE_BINARY_DIR}/deb-build $<TARGET_FILE:tscns-test-pinentry>)
  # The first run builds the whole tree once more (Release, 2 CPUs: about 6 minutes).
  set_tests_properties(e2e_packages PROPERTIES TIMEOUT 900 LABELS "e2e;packages")
endif()
