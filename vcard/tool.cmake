# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-vcard: `new` (personalize a card image), `profiles`, `run` (serve it to vpcd).
add_executable(tscns-vcard src/main.cpp)
target_link_libraries(tscns-vcard PRIVATE tscns_vcard tscns_vcard_link
  nlohmann_json::nlohmann_json OpenSSL::Crypto tscns::warnings)
target_compile_definitions(tscns-vcard PRIVATE TSCNS_VERSION="${PROJECT_VERSION}")
install(TARGETS tscns-vcard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT vcard)
