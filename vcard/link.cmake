# SPDX-License-Identifier: LGPL-2.1-or-later
# The vpcd link and `tscns-vcard run`.
# tscns_vcard_link_core: vpcd framing, run options, APDU log, fault/latency policy and the serve
#   loop, over the CardBackend interface. Depends on tscns::apdu only, so that its unit tests need
#   neither VirtualCnsCard nor pcscd.
# tscns_vcard_link: runCommand() and the CardBackend adapter over VirtualCnsCard.
add_library(tscns_vcard_link_core STATIC
  src/link_apdu_log.cpp
  src/link_frame.cpp
  src/link_io.cpp
  src/link_options.cpp
  src/link_policy_card.cpp
  src/link_server.cpp
  src/vpcd_link.cpp
)
target_include_directories(tscns_vcard_link_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(tscns_vcard_link_core PUBLIC tscns::apdu PRIVATE tscns::warnings)

add_library(tscns_vcard_link STATIC
  src/run.cpp
  src/link_virtual_card.cpp
)
target_include_directories(tscns_vcard_link PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(tscns_vcard_link PUBLIC tscns_vcard tscns_vcard_link_core
                      PRIVATE tscns::warnings)
