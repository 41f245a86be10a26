# SPDX-License-Identifier: LGPL-2.1-or-later
# VirtualCnsCard, card image, personalization and identity encodings (label unit).
tscns_add_unit_test(vcard_identity_unit_tests
  SOURCES identity_test.cpp
  LIBS tscns::vcard)
tscns_add_unit_test(vcard_card_unit_tests
  SOURCES card_test.cpp card_test_support.cpp
  LIBS tscns::vcard OpenSSL::Crypto)
tscns_add_unit_test(vcard_personalize_unit_tests
  SOURCES personalize_test.cpp card_test_support.cpp
  LIBS tscns::vcard OpenSSL::Crypto)
