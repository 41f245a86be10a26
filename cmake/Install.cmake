# SPDX-License-Identifier: LGPL-2.1-or-later
# The linkable verifier: static libraries, public headers, the CMake package tscns (component
# verifier: find_package(tscns REQUIRED COMPONENTS verifier), target tscns::verifier) and the
# pkg-config file tscns-verifier.pc. Everything here is install component "dev", the Debian
# package libtscns-verifier-dev (cmake/Packaging.cmake). Included by the top-level CMakeLists.txt
# after every library exists.
include(CMakePackageConfigHelpers)

set(TSCNS_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tscns)

# tscns::verifier needs tscns::cnsauth and tscns::apdu (nothing else of ours: not tscns::crypto).
set_target_properties(tscns_apdu PROPERTIES EXPORT_NAME apdu)
set_target_properties(tscns_cnsauth PROPERTIES EXPORT_NAME cnsauth)
set_target_properties(tscns_verifier PROPERTIES EXPORT_NAME verifier)
install(TARGETS tscns_apdu tscns_cnsauth tscns_verifier
  EXPORT tscnsVerifierTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# The public headers: the verifier's and cns-auth's (verifier/include/tscns/{verifier,cnsauth}),
# and tscns::apdu's, which they include (tscns/apdu/bytes.hpp and what it pulls in).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/apdu/include/tscns ${PROJECT_SOURCE_DIR}/verifier/include/tscns
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(EXPORT tscnsVerifierTargets NAMESPACE tscns::
  DESTINATION ${TSCNS_CMAKE_PACKAGE_DIR} COMPONENT dev)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tscnsConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/tscnsConfig.cmake
  INSTALL_DESTINATION ${TSCNS_CMAKE_PACKAGE_DIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/tscnsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tscnsConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/tscnsConfigVersion.cmake
  DESTINATION ${TSCNS_CMAKE_PACKAGE_DIR} COMPONENT dev)

# pkg-config: paths relative to ${prefix} when GNUInstallDirs gave relative ones.
foreach(_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(TSCNS_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(TSCNS_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/tscns-verifier.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/tscns-verifier.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tscns-verifier.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
