# SPDX-License-Identifier: LGPL-2.1-or-later
# The card-variety matrix (docs/card-layouts.md): each cell is a virtual card of one layout with
# the quirks of real cards, read through pcscd + vpcd by the tool, the module, openssl and tscnsd.
# Cells whose card OpenSC 0.23 reads use it as the oracle (same certificate, card ID, serial);
# the others add an NSS TLS 1.3 handshake through the module instead.
# Cell: "NAME|PROFILE|FAMILY|OPENSC(yes|no)|tscns-vcard new options".
if(TARGET tscnsd AND TARGET tscns-test-pinentry)
  set(TSCNS_CARD_MATRIX
    # classic cards, the kinds OpenSC reads
    "st-nonluhn|st-cns11|classic|yes|--card-id 1234567890123456"
    "athena-pad00|athena-cns10|classic|yes|--pad 00 --ef-size 2048"
    "cardos-excl-6282|cardos-cns10|classic|yes|--personal-header excluding --read-end 6282"
    "st-6b00-padff|st-cns11|classic|yes|--read-end 6b00 --pad ff"
    # OpenSC 0.23 needs the FCI's file size; tscns reads such a card by its DER length
    "athena-nofci|athena-cns10|classic|no|--no-fci --personal-header excluding"
    # Infocamere 1204: OpenSC 0.23 reads the wrapped certificate (its CKA_ID is 21, ours 01)
    "infocamere|infocamere-1204|infocamere-1204|yes|"
    "infocamere-nonluhn-pad00|infocamere-1204|infocamere-1204|yes|--card-id 9999000011112222 --pad 00"
    # an ATR that no middleware knows: the probe alone says it is a TS-CNS
    "unknown-atr|st-cns11|classic|no|--atr 3B021450"
    # layouts OpenSC 0.23 does not read
    "idemia-padff|idemia-2021|idemia-2021|no|--pad ff"
    "infocamere-nofci|infocamere-1204|infocamere-1204|no|--no-fci --read-end 6282"
    "ace|ace-2025|ace-2025|no|"
    "ace-locked|ace-2025|ace-2025|no|--aid-required --no-fci --read-end 6b00 --pad 00"
    "chipdoc|chipdoc-cns|chipdoc-cns|no|"
    "jsign4-nfc|st-2022-nfc|jsign4|no|")
  foreach(cell IN LISTS TSCNS_CARD_MATRIX)
    string(REPLACE "|" ";" fields "${cell}")
    list(POP_FRONT fields name profile family opensc)
    separate_arguments(options UNIX_COMMAND "${fields}")
    set(test e2e_card_${name})
    tscns_add_e2e_test(${test} bash ${CMAKE_CURRENT_SOURCE_DIR}/card_matrix.sh
      ${profile} ${family} ${opensc} ${options})
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
      "TSCNSD=$<TARGET_FILE:tscnsd>" "TSCNS_TEST_PINENTRY=$<TARGET_FILE:tscns-test-pinentry>")
  endforeach()
endif()
# The discovery benchmark (bench/discovery_bench.sh) runs and prints its table; no latency.
tscns_add_e2e_test(e2e_discovery_bench_smoke bash ${CMAKE_SOURCE_DIR}/bench/discovery_bench.sh
  --latency-ms 0 --cells "st-cns11 infocamere-1204 ace-2025:--aid-required")
