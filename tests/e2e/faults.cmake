# SPDX-License-Identifier: LGPL-2.1-or-later
# A fault at every APDU of every card operation (tests/e2e/faults.sh, docs/faults.md): the card
# pulled, a garbage answer and a mute card at each k, through pcscd + vpcd, for tscns, the
# PKCS#11 module (pkcs11-tool) and tscnsd.
if(TARGET tscnsd AND TARGET tscns-test-pinentry)
  tscns_add_e2e_test(e2e_faults bash ${CMAKE_CURRENT_LIST_DIR}/faults.sh
    $<TARGET_FILE:tscnsd> $<TARGET_FILE:tscns-test-pinentry>)
endif()
