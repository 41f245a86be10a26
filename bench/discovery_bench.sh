#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: the APDUs of identification + layout discovery, cold, on every card layout
# (docs/card-layouts.md), with tscns (tool and module) and OpenSC's module on the same virtual card
# in the same run. See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/discovery_bench.sh [options]

For each card (a tscns-vcard profile with quirk options), each command a new process on a card
just inserted:
  tscns cert                 identification, then finding and reading the certificate; the APDUs
                             are split into identification (up to the first successful READ
                             BINARY: EF_IDCarta or D003) and certificate (the rest)
  pkcs11-tool -L             module load, slots, token (tscns-pkcs11.so and opensc-pkcs11.so)
  pkcs11-tool -O             object listing without login (both modules); "yes" when the module
                             lists the card's certificate
APDUs come from tscns-vcard's --apdu-log; ms is the wall time of `pkcs11-tool -O`.

Options:
  --build-dir DIR   build tree with tscns, tscns-vcard and tscns-pkcs11 (default: ./build), installed
                    into DIR/stage for the module. Not needed when TSCNS, TSCNS_VCARD and
                    TSCNS_MODULE are set (as under ctest).
  --latency-ms N    tscns-vcard --latency-ms (default 20)
  --cells "C..."    cards as PROFILE or PROFILE:OPTION,VALUE,... (default: every layout, see below)
  --doc FILE        also write the table and the command into FILE between the markers
                    <!-- discovery:begin --> and <!-- discovery:end -->
  -h, --help        this text
EOF
}

build_dir=$root/build
latency=20
cells="st-cns11 athena-cns10 cardos-cns10 st-cns11:--pad,ff,--no-fci idemia-2021 infocamere-1204
ace-2025 ace-2025:--aid-required chipdoc-cns st-2022-nfc"
doc=""
command_line="bench/discovery_bench.sh $*"
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --latency-ms) latency=$2; shift 2 ;;
    --cells) cells=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "discovery_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $latency =~ ^[0-9]+$ ]] || { echo "bad --latency-ms" >&2; exit 2; }

if [[ -z ${TSCNS_VCARD:-} || -z ${TSCNS_MODULE:-} || -z ${TSCNS:-} ]]; then
  [[ -x $build_dir/vcard/tscns-vcard && -x $build_dir/tool/tscns ]] \
    || { echo "no tscns-vcard or tscns in $build_dir: build first" >&2; exit 1; }
  export TSCNS_VCARD=$build_dir/vcard/tscns-vcard TSCNS=$build_dir/tool/tscns
  cmake --install "$build_dir" --prefix "$build_dir/stage" >/dev/null
  TSCNS_MODULE=$(find "$build_dir/stage" -name tscns-pkcs11.so -print -quit)
  [[ -n $TSCNS_MODULE ]] || { echo "tscns-pkcs11.so not in $build_dir/stage" >&2; exit 1; }
  export TSCNS_MODULE
fi

source "$root/tests/e2e/lib.sh"
source "$here/doc_block.sh"
opensc_module=$(e2e_opensc_module)

# count FROM: command APDUs in the card's log after line FROM.
count() { tail -n +"$(($1 + 1))" "$APDU_LOG" | awk '$2 == ">" { n++ } END { print n + 0 }'; }
lines() { wc -l <"$APDU_LOG"; }
# split FROM: "identification certificate" for the tool's log after line FROM. Identification
# ends with the first READ BINARY (INS B0) answered 90 00.
split_tool() {
  tail -n +"$(($1 + 1))" "$APDU_LOG" | awk '
    $2 == ">" { n++; read = ($4 == "B0") }
    $2 == "<" && read && !done && $(NF - 1) == "90" && $NF == "00" { id = n; done = 1 }
    END { printf "%d %d\n", id, n - id }'
}

table=$E2E_TMP/table.md
{
  echo '| Card | tscns: identification | tscns: certificate | `-L` tscns | `-L` OpenSC | `-O` tscns | `-O` OpenSC | OpenSC lists the certificate | `-O` ms tscns | `-O` ms OpenSC |'
  echo '|---|--:|--:|--:|--:|--:|--:|:-:|--:|--:|'
} >"$table"

e2e_start_pcscd
for cell in $cells; do
  profile=${cell%%:*}
  opts=()
  [[ $cell == *:* ]] && IFS=, read -r -a opts <<<"${cell#*:}"
  label="$profile${opts[*]:+ ${opts[*]}}"
  card=$E2E_TMP/card
  rm -rf "$card"
  e2e_new_card "$card" --profile "$profile" --seed 2024 "${opts[@]}"
  APDU_LOG=$E2E_TMP/apdu-${cell//[^a-z0-9-]/_}.log
  e2e_start_card "$card" 0 --latency-ms "$latency" --apdu-log "$APDU_LOG"
  pid=$E2E_LAST_CARD_PID

  # Each command on a card just inserted: remove and insert it between commands, so nothing a
  # previous process learned (or left selected) helps the next.
  reinsert() {
    e2e_stop_card "$pid" 0
    e2e_start_card "$card" 0 --latency-ms "$latency" --apdu-log "$APDU_LOG"
    pid=$E2E_LAST_CARD_PID
  }
  from=$(lines)
  "$TSCNS" cert --out "$E2E_TMP/cert.pem" >"$E2E_TMP/op.out" 2>&1 \
    || { cat "$E2E_TMP/op.out" >&2; e2e_fail "$label: tscns cert failed"; }
  cmp -s "$E2E_TMP/cert.pem" "$card/cert.pem" || e2e_fail "$label: tscns cert is not the card's certificate"
  read -r ident certificate <<<"$(split_tool "$from")"

  declare -A n=() ms=() listed=()
  for kind in tscns opensc; do
    module=$TSCNS_MODULE
    [[ $kind == opensc ]] && module=$opensc_module
    reinsert
    from=$(lines)
    pkcs11-tool --module "$module" -L >"$E2E_TMP/op.out" 2>&1 || true
    n[$kind-L]=$(count "$from")
    reinsert
    from=$(lines)
    t0=$(e2e_ms)
    pkcs11-tool --module "$module" -O --type cert >"$E2E_TMP/op-$kind.out" 2>&1 || true
    ms[$kind]=$(($(e2e_ms) - t0))
    n[$kind-O]=$(count "$from")
    listed[$kind]=no
    grep -q '^Certificate Object' "$E2E_TMP/op-$kind.out" && listed[$kind]=yes
  done
  [[ ${listed[tscns]} == yes ]] || { cat "$E2E_TMP/op-tscns.out" >&2; e2e_fail "$label: tscns-pkcs11.so lists no certificate"; }
  e2e_stop_card "$pid" 0
  e2e_log "$label: identification $ident, certificate $certificate; -L ${n[tscns-L]}/${n[opensc-L]}, -O ${n[tscns-O]}/${n[opensc-O]}"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "\`$label\`" "$ident" "$certificate" \
    "${n[tscns-L]}" "${n[opensc-L]}" "${n[tscns-O]}" "${n[opensc-O]}" "${listed[opensc]}" \
    "${ms[tscns]}" "${ms[opensc]}" >>"$table"
done

versions() {
  printf -- '- latency model: `tscns-vcard run --latency-ms %s`; every command on a card just inserted\n' "$latency"
  printf -- '- OpenSC %s (`opensc-pkcs11.so`, Debian defaults)\n' \
    "$(dpkg-query -W -f '${Version}' opensc-pkcs11 2>/dev/null || echo '?')"
  printf -- '- tscns %s; host %s, %s CPU(s), %s\n' "$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')" \
    "$(uname -m)" "$(nproc)" "$(date -u +%Y-%m-%d)"
}

echo
cat "$table"
echo
versions

[[ -z $doc ]] || bench_write_doc "$doc" discovery "$command_line" "$table"
