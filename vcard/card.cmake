# SPDX-License-Identifier: LGPL-2.1-or-later
# Placeholder: replaced by the VirtualCnsCard implementation.
add_library(tscns_vcard INTERFACE)
target_include_directories(tscns_vcard INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(tscns_vcard INTERFACE tscns::apdu)
