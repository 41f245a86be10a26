# SPDX-License-Identifier: LGPL-2.1-or-later
# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS, cmake/Packaging.cmake): Debian ships manual
# pages compressed (gzip -9n), so the staged pages of every package are compressed before the
# .deb files are made. A plain `cmake --install` keeps them as they are.
set(_dir "${CPACK_TEMPORARY_DIRECTORY}")
if(NOT _dir)
  set(_dir "${CPACK_TOPLEVEL_DIRECTORY}")
endif()
file(GLOB_RECURSE _pages LIST_DIRECTORIES false "${_dir}/*")
foreach(_page IN LISTS _pages)
  if(_page MATCHES "/share/man/(.+/)?man[1-9]/[^/]+\\.[1-9][a-z]*$")
    execute_process(COMMAND gzip -9 -n -f "${_page}" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "gzip failed on ${_page}")
    endif()
  endif()
endforeach()
