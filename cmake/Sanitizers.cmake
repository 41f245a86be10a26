# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns::sanitizers: -fsanitize=<TSCNS_SANITIZE> on every target that links it.
add_library(tscns_sanitizers INTERFACE)
add_library(tscns::sanitizers ALIAS tscns_sanitizers)
if(TSCNS_SANITIZE)
  list(JOIN TSCNS_SANITIZE "," _tscns_san)
  target_compile_options(tscns_sanitizers INTERFACE -fsanitize=${_tscns_san}
                         -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(tscns_sanitizers INTERFACE -fsanitize=${_tscns_san})
endif()
