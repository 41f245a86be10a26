# SPDX-License-Identifier: LGPL-2.1-or-later
add_library(tscns_vcard_link STATIC src/run.cpp)
target_include_directories(tscns_vcard_link PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(tscns_vcard_link PUBLIC tscns_vcard PRIVATE tscns::warnings)
