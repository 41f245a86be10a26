# SPDX-License-Identifier: LGPL-2.1-or-later
# Install locations beyond GNUInstallDirs, and the package metadata. With
# CMAKE_INSTALL_PREFIX=/usr (scripts/package.sh) they are where Debian 12 expects them:
#   libdir               lib/<multiarch> (GNUInstallDirs, from CMAKE_LIBRARY_ARCHITECTURE)
#   configuration        /etc/tscns (other prefixes: <prefix>/etc/tscns)
#   systemd system units /lib/systemd/system (pkg-config systemd's systemdsystemunitdir)
#   systemd user units   <prefix>/lib/systemd/user
set(TSCNS_HOMEPAGE "https://tscns.invalid" CACHE STRING "Project home page (packages, pkg-config)")
set(TSCNS_PACKAGE_MAINTAINER "tscns maintainers <maintainers@tscns.invalid>" CACHE STRING
  "Maintainer field of the Debian packages")

# GNUInstallDirs keeps sysconfdir "etc" relative but resolves it to /etc for prefix /usr.
if(CMAKE_INSTALL_FULL_SYSCONFDIR STREQUAL "/etc")
  set(TSCNS_SYSCONF_INSTALL_DIR /etc/tscns)
else()
  set(TSCNS_SYSCONF_INSTALL_DIR ${CMAKE_INSTALL_SYSCONFDIR}/tscns)
endif()
set(TSCNS_SYSCONF_INSTALL_FULL_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tscns)

set(_tscns_system_units lib/systemd/system)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_get_variable(_tscns_pc_units systemd systemdsystemunitdir)
    if(_tscns_pc_units)
      set(_tscns_system_units ${_tscns_pc_units})
    endif()
  endif()
endif()
set(TSCNS_SYSTEMD_SYSTEM_UNIT_DIR ${_tscns_system_units} CACHE STRING
  "Where systemd system units are installed (relative: under the prefix)")
set(TSCNS_SYSTEMD_USER_UNIT_DIR lib/systemd/user CACHE STRING
  "Where systemd user units are installed (relative: under the prefix)")
