# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns::warnings: the project's warning policy, linked PRIVATE only.
add_library(tscns_warnings INTERFACE)
add_library(tscns::warnings ALIAS tscns_warnings)
target_compile_options(tscns_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wformat=2
  -Wimplicit-fallthrough)
# C files (ABI tests) must not get C++-only flags.
target_compile_options(tscns_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:C>:-Wno-old-style-cast>)
if(TSCNS_WERROR)
  target_compile_options(tscns_warnings INTERFACE -Werror)
endif()
