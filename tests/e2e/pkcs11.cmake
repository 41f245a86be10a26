# SPDX-License-Identifier: LGPL-2.1-or-later
# The PKCS#11 module with real clients, through pcscd + vpcd + tscns-vcard (included by
# tests/e2e/CMakeLists.txt). Every script takes PROFILE and a module: "tscns" is the staged
# tscns-pkcs11.so ($TSCNS_MODULE, fixture "staged"); "opensc" is Debian's opensc-pkcs11.so, run
# through the same scripts as the reference oracle (it supports st-cns11, athena-cns10 and
# cardos-cns10; idemia-2021 needs OpenSC 0.24). Run them with `ctest -R p11`.
set(_p11_dir ${CMAKE_CURRENT_LIST_DIR})

# OpenSC's module: proves the scripts themselves against an independent implementation.
foreach(profile st-cns11 athena-cns10 cardos-cns10)
  tscns_add_e2e_test(e2e_p11_opensc_tool_${profile} bash ${_p11_dir}/p11_pkcs11_tool.sh ${profile} opensc)
endforeach()
tscns_add_e2e_test(e2e_p11_opensc_kit_st-cns11 bash ${_p11_dir}/p11_kit.sh st-cns11 opensc)
foreach(profile st-cns11 athena-cns10) # RSA-2048 and RSA-1024
  tscns_add_e2e_test(e2e_p11_opensc_tls_${profile} bash ${_p11_dir}/p11_tls.sh ${profile} opensc)
endforeach()

# Our module, once the tree has it.
if(EXISTS ${CMAKE_SOURCE_DIR}/pkcs11/CMakeLists.txt)
  # pkcs11-tool: -L, -M, -O, four signature mechanisms, wrong PIN, --test-threads (all profiles).
  foreach(profile st-cns11 athena-cns10 cardos-cns10 idemia-2021)
    tscns_add_e2e_test(e2e_p11_tool_${profile} bash ${_p11_dir}/p11_pkcs11_tool.sh ${profile} tscns)
  endforeach()
  # p11-kit module file + p11tool (writes and removes /etc/pkcs11/modules/tscns-e2e.module).
  foreach(profile st-cns11 idemia-2021)
    tscns_add_e2e_test(e2e_p11_kit_${profile} bash ${_p11_dir}/p11_kit.sh ${profile} tscns)
  endforeach()
  # Mutual TLS 1.2 and 1.3 with NSS tstclnt, OpenSSL s_client + libp11, gnutls-cli: RSA-2048,
  # RSA-1024, and the IDEMIA layout (key reference 02 in DF 1400/9002).
  foreach(profile st-cns11 athena-cns10 idemia-2021)
    tscns_add_e2e_test(e2e_p11_tls_${profile} bash ${_p11_dir}/p11_tls.sh ${profile} tscns)
  endforeach()
  # The benchmark (bench/p11_bench.sh) runs and prints its table; no latency, one run.
  tscns_add_e2e_test(e2e_p11_bench_smoke bash ${CMAKE_SOURCE_DIR}/bench/p11_bench.sh
    --latency-ms 0 --runs 1 --profiles st-cns11)
endif()
