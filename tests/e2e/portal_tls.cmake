# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal's TLS client-certificate login (--client-cert-listen) with curl and virtual cards'
# certificates: success with amr pwd + tls-cert, the refusals, revocation, renewal; on SQLite
# and PostgreSQL.
if(TARGET tscns-portal)
  foreach(backend sqlite postgresql)
    tscns_add_e2e_test(e2e_portal_tls_${backend} bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_tls.sh
      $<TARGET_FILE:tscns-portal> ${backend})
  endforeach()
endif()
