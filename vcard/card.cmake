# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns::vcard: VirtualCnsCard, card image, profiles, personalization. Shares only the APDU codec
# with production code; OpenSSL for keys/certificates/RSA, nlohmann_json for the image files.
add_library(tscns_vcard STATIC
  src/profiles.cpp
  src/identity.cpp
  src/card_image.cpp
  src/ossl.cpp
  src/personalize.cpp
  src/file_tree.cpp
  src/virtual_card.cpp
)
add_library(tscns::vcard ALIAS tscns_vcard)
target_include_directories(tscns_vcard PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
target_compile_features(tscns_vcard PUBLIC cxx_std_20)
target_link_libraries(tscns_vcard
  PUBLIC tscns::apdu
  PRIVATE OpenSSL::Crypto nlohmann_json::nlohmann_json tscns::warnings)
