# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal's card step end to end with curl: tscnsd, three virtual cards (holder, renewal,
# another person) through pcscd and vpcd, the scripted pinentry; on SQLite and PostgreSQL.
if(TARGET tscns-portal AND TARGET tscnsd AND TARGET tscns-test-pinentry)
  foreach(backend sqlite postgresql)
    tscns_add_e2e_test(e2e_portal_card_${backend} bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_card.sh
      $<TARGET_FILE:tscns-portal> $<TARGET_FILE:tscnsd> $<TARGET_FILE:tscns-test-pinentry> ${backend})
  endforeach()
endif()
# The README's first command in its smoke mode: the demo's cards, tscnsd and portal, one first
# access and one password + card login with curl, then everything stopped.
if(TARGET tscns-portal AND TARGET tscnsd AND TARGET tscns-test-pinentry)
  tscns_add_e2e_test(e2e_demo_smoke bash ${PROJECT_SOURCE_DIR}/scripts/demo.sh --no-install --no-build
    --build-dir ${PROJECT_BINARY_DIR} --smoke)
endif()
