# SPDX-License-Identifier: LGPL-2.1-or-later
# `tscns setup` / `tscns doctor` in a fake HOME (docs/desktop-integration.md): browser NSS
# databases through modutil, p11-kit's proxy, a locked Firefox profile, then doctor with pcscd,
# a vcard and tscnsd on a port of its own.
if(TARGET tscnsd AND TARGET tscns-test-pinentry)
  tscns_add_e2e_test(e2e_tscns_setup bash ${CMAKE_CURRENT_SOURCE_DIR}/setup.sh
    $<TARGET_FILE:tscnsd> $<TARGET_FILE:tscns-test-pinentry>)
endif()
