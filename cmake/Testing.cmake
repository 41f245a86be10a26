# SPDX-License-Identifier: LGPL-2.1-or-later
# cmocka is found here only (Debian's 1.1.5 CMake package sets variables, no target).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka>=1.1)
add_library(tscns_cmocka INTERFACE)
add_library(tscns::cmocka ALIAS tscns_cmocka)
target_link_libraries(tscns_cmocka INTERFACE PkgConfig::CMOCKA)
enable_testing()

# tscns_add_unit_test(NAME SOURCES... LIBS ...): one cmocka binary, label "unit".
function(tscns_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} tscns::cmocka tscns_test_support
                        tscns::warnings tscns::sanitizers)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()
