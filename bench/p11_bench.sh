#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: APDUs and wall time of everyday PKCS#11 client operations with tscns-pkcs11.so and
# OpenSC's opensc-pkcs11.so on the same virtual card in the same run, with tscns-vcard's latency
# model (a fixed delay before each answer, like a slow contact reader). See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/p11_bench.sh [options]

Measures, for each card profile and module, the APDUs the card receives (from tscns-vcard's
--apdu-log) and the wall time of:
  pkcs11-tool -L                    module load, slot and token listing
  pkcs11-tool -O                    object listing without login
  pkcs11-tool --login --sign        login + one SHA256-RSA-PKCS signature
  tstclnt TLS 1.3                   NSS mutual-TLS handshake against openssl s_server (RSA-PSS)
Every operation is a new process, so each includes loading the module and reading the token.

Options:
  --build-dir DIR     build tree with tscns-vcard and tscns-pkcs11 (default: ./build); it is
                      installed into DIR/stage for the module. Not needed when TSCNS_VCARD and
                      TSCNS_MODULE are set (as under ctest).
  --latency-ms N      tscns-vcard --latency-ms (default 20)
  --profiles "P..."   card profiles (default "st-cns11 athena-cns10")
  --modules "M..."    tscns, opensc or module paths (default "tscns opensc")
  --runs N            repetitions; the table shows the median time (default 3)
  --doc FILE          also write the table and the command into FILE between the markers
                      <!-- bench:begin --> and <!-- bench:end --> (created if missing)
  -h, --help          this text
EOF
}

build_dir=$root/build
latency=20
profiles="st-cns11 athena-cns10"
modules="tscns opensc"
runs=3
doc=""
command_line="bench/p11_bench.sh $*"
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --latency-ms) latency=$2; shift 2 ;;
    --profiles) profiles=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "p11_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $latency =~ ^[0-9]+$ && $runs =~ ^[1-9][0-9]*$ ]] || { echo "bad --latency-ms or --runs" >&2; exit 2; }

if [[ -z ${TSCNS_VCARD:-} || -z ${TSCNS_MODULE:-} ]]; then
  [[ -x $build_dir/vcard/tscns-vcard ]] || { echo "no $build_dir/vcard/tscns-vcard: build first" >&2; exit 1; }
  export TSCNS_VCARD=$build_dir/vcard/tscns-vcard
  if [[ " $modules " == *" tscns "* ]]; then
    cmake --install "$build_dir" --prefix "$build_dir/stage" >/dev/null
    TSCNS_MODULE=$(find "$build_dir/stage" -name tscns-pkcs11.so -print -quit)
    [[ -n $TSCNS_MODULE ]] || { echo "tscns-pkcs11.so not in $build_dir/stage: build target tscns-pkcs11" >&2; exit 1; }
    export TSCNS_MODULE
  fi
fi

source "$root/tests/e2e/lib.sh"
source "$here/doc_block.sh"
source "$root/tests/e2e/p11_lib.sh"
e2e_at_exit p11_stop_server

ops=(list objects sign tls13)
declare -A op_title=(
  [list]="module load + slots + token (\`pkcs11-tool -L\`)"
  [objects]="object listing (\`pkcs11-tool -O\`)"
  [sign]="login + 1 signature (\`pkcs11-tool --login --sign\`)"
  [tls13]="TLS 1.3 client auth (\`tstclnt\`)"
)
declare -A apdus=() times=() module_name=() token=() cert=() keyid=()

# measure KEY COMMAND...: runs COMMAND once, records its command APDUs and milliseconds.
measure() {
  local key=$1 before after t0 t1 rc=0
  shift
  before=$(e2e_apdu_count "$APDU_LOG")
  t0=$(e2e_ms)
  timeout 300 "$@" >"$E2E_TMP/op.out" 2>&1 || rc=$?
  t1=$(e2e_ms)
  after=$(e2e_apdu_count "$APDU_LOG")
  ((rc == 0)) || { cat "$E2E_TMP/op.out" >&2; e2e_fail "$key: $* exited $rc"; }
  apdus[$key]+="$((after - before)) "
  times[$key]+="$((t1 - t0)) "
}

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# APDU counts are deterministic; if runs differ, show the range.
apdu_cell() {
  local lo hi
  lo=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | head -n 1)
  hi=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | tail -n 1)
  [[ $lo == "$hi" ]] && echo "$lo" || echo "$lo–$hi"
}

e2e_start_pcscd
for profile in $profiles; do
  card=$E2E_TMP/card-$profile
  e2e_new_card "$card" --profile "$profile" --seed 2024
  pin=$(e2e_json "$card" pin)
  APDU_LOG=$E2E_TMP/apdu-$profile.log
  CARD=$card
  e2e_start_card "$card" 0 --latency-ms "$latency" --apdu-log "$APDU_LOG"
  card_pid=$E2E_LAST_CARD_PID
  head -c 1000 /dev/urandom >"$E2E_TMP/data"
  # Server certificate and request for the TLS step (setup, not timed).
  p11_make_server_cert
  p11_request

  for kind in $modules; do
    module=$(p11_module_path "$kind")
    [[ -f $module ]] || e2e_fail "module $module not found"
    module_name[$kind]=$(basename "$module")
    # Setup, not timed: the token label, certificate label and CKA_ID as this module shows them.
    pkcs11-tool --module "$module" -L >"$E2E_TMP/L.txt" 2>&1 || { cat "$E2E_TMP/L.txt" >&2; e2e_fail "-L with $module"; }
    pkcs11-tool --module "$module" -O --type cert >"$E2E_TMP/cert.txt" 2>&1 || true
    token[$kind]=$(p11_field "$E2E_TMP/L.txt" "token label")
    cert[$kind]=$(p11_field "$E2E_TMP/cert.txt" label)
    keyid[$kind]=$(p11_field "$E2E_TMP/cert.txt" ID)
    [[ -n ${token[$kind]} && -n ${cert[$kind]} && -n ${keyid[$kind]} ]] \
      || e2e_fail "$kind: no token or certificate on $profile"
    e2e_log "$profile / $kind: token '${token[$kind]}', certificate '${cert[$kind]}', CKA_ID ${keyid[$kind]}"
  done

  for ((run = 1; run <= runs; run++)); do
    for kind in $modules; do
      module=$(p11_module_path "$kind")
      k="$profile|$kind"
      measure "$k|list" pkcs11-tool --module "$module" -L
      measure "$k|objects" pkcs11-tool --module "$module" -O
      measure "$k|sign" pkcs11-tool --module "$module" --login --pin "$pin" --sign --id "${keyid[$kind]}" \
        --mechanism SHA256-RSA-PKCS --input-file "$E2E_TMP/data" --output-file "$E2E_TMP/sig"
      openssl dgst -sha256 -verify <(openssl x509 -in "$card/cert.pem" -pubkey -noout) \
        -signature "$E2E_TMP/sig" "$E2E_TMP/data" >/dev/null || e2e_fail "$kind: signature does not verify"
      # NSS database re-created per module so each handshake starts cold.
      rm -rf "$E2E_TMP/nssdb"
      P11_MODULE=$module
      PIN=$pin
      p11_nss_db
      certutil -A -d "$NSS_DB" -n bench-server -t "CT,," -i "$SERVER_PEM" >/dev/null 2>&1
      p11_start_server "bench" tls1_3
      measure "$k|tls13" tstclnt -h 127.0.0.1 -p "$SERVER_PORT" -d "$NSS_DB" -n "${token[$kind]}:${cert[$kind]}" \
        -W "$PIN_FILE" -V tls1.3:tls1.3 -A "$P11_REQUEST"
      p11_stop_server
      grep -q "^Peer signature type: RSA-PSS" "$E2E_TMP/op.out" || e2e_fail "$kind: TLS 1.3 handshake without RSA-PSS"
    done
  done
  e2e_stop_card "$card_pid" 0
done

# ---- The table
table=$E2E_TMP/table.md
{
  printf '| Profile | Operation |'
  for kind in $modules; do printf ' %s APDUs | %s ms |' "${module_name[$kind]}" "${module_name[$kind]}"; done
  printf '\n|---|---|'
  for kind in $modules; do printf -- '--:|--:|'; done
  printf '\n'
  for profile in $profiles; do
    for op in "${ops[@]}"; do
      printf '| %s | %s |' "$profile" "${op_title[$op]}"
      for kind in $modules; do
        k="$profile|$kind|$op"
        printf ' %s | %s |' "$(apdu_cell "${apdus[$k]}")" "$(median "${times[$k]}")"
      done
      printf '\n'
    done
  done
} >"$table"

versions() {
  printf -- '- latency model: `tscns-vcard run --latency-ms %s` (no transfer time), %s run(s), median wall time\n' "$latency" "$runs"
  printf -- '- OpenSC %s (`opensc-pkcs11.so`, Debian defaults: no file cache), NSS %s, OpenSSL %s\n' \
    "$(dpkg-query -W -f '${Version}' opensc-pkcs11 2>/dev/null || echo '?')" \
    "$(dpkg-query -W -f '${Version}' libnss3 2>/dev/null || echo '?')" \
    "$(openssl version | awk '{ print $2 }')"
  printf -- '- tscns %s, `%s`\n' "$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')" "$(basename "${TSCNS_MODULE:-tscns-pkcs11.so}")"
  printf -- '- host: %s, %s CPU(s), %s\n' "$(uname -m)" "$(nproc)" "$(date -u +%Y-%m-%d)"
}

echo
cat "$table"
echo
versions

[[ -z $doc ]] || bench_write_doc "$doc" bench "$command_line" "$table"
