# SPDX-License-Identifier: LGPL-2.1-or-later
# vpcd link unit tests: a fake vpcd on loopback and a fake card; no pcscd, no VirtualCnsCard.
tscns_add_unit_test(vcard_link_unit_tests
  SOURCES
    link_test_main.cpp
    link_fakes.cpp
    link_frame_test.cpp
    link_options_test.cpp
    link_vpcd_test.cpp
    link_server_test.cpp
  LIBS tscns_vcard_link_core Threads::Threads)
