# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal in headless Chromium (tests/browser/portal.mjs): first access, SMS login, wrong
# codes, card login with tscnsd and the vcards, another person's card, renewal; SQLite (the curl
# tests cover PostgreSQL). Screenshots in ${CMAKE_BINARY_DIR}/portal-browser-screenshots.
if(TARGET tscns-portal AND TARGET tscnsd AND TARGET tscns-test-pinentry)
  tscns_add_e2e_test(e2e_portal_browser bash ${CMAKE_CURRENT_SOURCE_DIR}/portal_browser.sh
    $<TARGET_FILE:tscns-portal> $<TARGET_FILE:tscnsd> $<TARGET_FILE:tscns-test-pinentry>)
endif()
