# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages through CPack's DEB generator, one per install component:
#   tool    -> tscns                  the tscns tool, the PKCS#11 module and its p11-kit file
#   daemon  -> tscnsd                 the daemon, its systemd user unit, the web client, an
#                                     example configuration in /etc/tscns (conffile)
#   dev     -> libtscns-verifier-dev  static libraries, headers, CMake package, pkg-config file
#   portal  -> tscns-portal           the login service and its systemd system unit
#   vcard   -> tscns-vcard            the virtual card (testing)
# scripts/package.sh configures with CMAKE_INSTALL_PREFIX=/usr, builds and runs cpack + lintian.
# docs/packages.md describes the packages.
set(TSCNS_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(TSCNS_PACKAGE_COMPONENTS tool daemon dev portal vcard)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tscns)
set(CPACK_PACKAGE_VENDOR "tscns")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${TSCNS_PACKAGE_MAINTAINER}")
# Each package's Description is its component's: first line the synopsis, then the paragraphs.
# CPack would put a project-wide summary in front of it unless the summary is CPack's default.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_INSTALL_DIRECTORY tscns)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
# Manual pages (docs/CMakeLists.txt installs them uncompressed) are gzipped in the staging tree.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/CompressManPages.cmake)
set(CPACK_COMPONENTS_ALL ${TSCNS_PACKAGE_COMPONENTS})
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TSCNS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${TSCNS_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SOURCE tscns)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# tscns: the tool talks to pcscd; the module file is for p11-kit (NSS, GnuTLS, libp11 use it).
set(CPACK_DEBIAN_TOOL_PACKAGE_NAME tscns)
set(CPACK_DEBIAN_TOOL_PACKAGE_DEPENDS "pcscd")
set(CPACK_DEBIAN_TOOL_PACKAGE_RECOMMENDS "p11-kit, libnss3-tools") # modutil, certutil for tscns setup
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_TOOL_DESCRIPTION
  "TS-CNS health card: command-line tool and PKCS#11 module
tscns reads the Italian Tessera Sanitaria - Carta Nazionale dei Servizi
through PC/SC: card and holder data, certificates, PIN management, and
verification of cns-auth:1 tokens for scripts.

The package also ships tscns-pkcs11.so, a PKCS#11 module for the card,
registered with p11-kit so that browsers, GnuTLS and OpenSSL's libp11 can
use the card's certificate for TLS client authentication.")

# tscnsd: the pinentry program shows its dialogs; pcscd reaches the card.
set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME tscnsd)
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS "pcscd, pinentry-gnome3 | pinentry")
set(CPACK_DEBIAN_DAEMON_PACKAGE_SECTION net)
configure_file(${TSCNS_PACKAGING_DIR}/tscnsd/conffiles.in ${CMAKE_BINARY_DIR}/packaging/tscnsd/conffiles
  @ONLY)
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/tscnsd/conffiles)
set(CPACK_COMPONENT_DAEMON_DESCRIPTION
  "TS-CNS health card as a second factor for web portals (daemon)
tscnsd listens on the loopback interface and lets web pages of allowed
origins ask for a cns-auth:1 token signed by the TS-CNS card, after the
user typed the PIN in a pinentry dialog and consented.

The package ships a systemd user unit (systemctl --user enable --now
tscnsd), the JavaScript client for web pages and an example
configuration in /etc/tscns.")

# libtscns-verifier-dev: static libraries, so the libraries' own dependencies are needed to link.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libtscns-verifier-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libssl-dev (>= 3), libsqlite3-dev, nlohmann-json3-dev (>= 3)")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "cmake, pkgconf")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "TS-CNS login-service verifier library (development files)
tscns::verifier checks cns-auth:1 tokens and TS-CNS client certificates
as a login service must: signature over the session's challenge,
certificate path and profile, revocation (CRL, OCSP) and the binding to
the account's codice fiscale.

This package contains the static libraries, the C++20 headers, the CMake
package (find_package(tscns COMPONENTS verifier)) and the pkg-config file
tscns-verifier.pc.")

# tscns-portal: postinst creates the system user the unit runs as (adduser).
set(CPACK_DEBIAN_PORTAL_PACKAGE_NAME tscns-portal)
set(CPACK_DEBIAN_PORTAL_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PORTAL_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PORTAL_PACKAGE_CONTROL_EXTRA
  ${TSCNS_PACKAGING_DIR}/tscns-portal/postinst ${TSCNS_PACKAGING_DIR}/tscns-portal/postrm)
set(CPACK_COMPONENT_PORTAL_DESCRIPTION
  "TS-CNS regional health-record login service
tscns-portal is an HTTPS login service: user ID and password, then an SMS
code or the TS-CNS card (a cns-auth:1 token through tscnsd, or TLS client
authentication) as the second factor.

The package ships a systemd system unit running the service as the
system user tscns-portal; it is not enabled on installation.")

set(CPACK_DEBIAN_VCARD_PACKAGE_NAME tscns-vcard)
set(CPACK_DEBIAN_VCARD_PACKAGE_RECOMMENDS "pcscd, vsmartcard-vpcd")
set(CPACK_DEBIAN_VCARD_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_VCARD_DESCRIPTION
  "virtual TS-CNS card for testing
tscns-vcard personalizes card images of several TS-CNS profiles with a
test CA and serves them to pcscd through vsmartcard's virtual reader
(vpcd), so the middleware can be tried and tested without a real card.")

# Every package carries the copyright file and a Debian changelog in /usr/share/doc/<package>.
set(TSCNS_CHANGELOG_DATE "Fri, 04 Dec 2026 12:00:00 +0000")
foreach(_component IN LISTS TSCNS_PACKAGE_COMPONENTS)
  string(TOUPPER ${_component} _upper)
  set(_package ${CPACK_DEBIAN_${_upper}_PACKAGE_NAME})
  set(_doc ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_package})
  set(TSCNS_CHANGELOG_PACKAGE ${_package})
  configure_file(${TSCNS_PACKAGING_DIR}/changelog.Debian.in
    ${CMAKE_BINARY_DIR}/packaging/${_package}/changelog.Debian @ONLY)
  # gzip -n -9: no name or time stamp in the header (reproducible, as lintian wants).
  execute_process(COMMAND gzip -n -9 -f -k ${CMAKE_BINARY_DIR}/packaging/${_package}/changelog.Debian
    RESULT_VARIABLE _gzip)
  if(NOT _gzip EQUAL 0)
    message(FATAL_ERROR "gzip failed on the Debian changelog of ${_package}")
  endif()
  install(FILES ${TSCNS_PACKAGING_DIR}/copyright
    ${CMAKE_BINARY_DIR}/packaging/${_package}/changelog.Debian.gz
    DESTINATION ${_doc} COMPONENT ${_component})
endforeach()

include(CPack)
