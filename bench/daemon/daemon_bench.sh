#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark of tscnsd (not a test): identity and authenticate latency through pcscd + vpcd with
# tscns-vcard's latency model (a fixed delay before each APDU answer, like a contact reader),
# cold (the first operation after the card is inserted) and warm (the next ones), and
# GET /v1/status requests per second under concurrent load on loopback (wrk, or the bounded
# Node load generator next to this script when wrk is missing). The PIN dialog is the scripted
# pinentry, which answers at once, so the times are the daemon's and the card's, not a user's.
# See bench/daemon/README.md; results in docs/benchmarks-daemon.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/daemon/daemon_bench.sh [options]

  --build-dir DIR     build tree with tscnsd, tscns-vcard and tscns-test-pinentry (default
                      ./build). Not needed when TSCNSD, TSCNS_VCARD and TSCNS_TEST_PINENTRY are set.
  --latency-ms N      tscns-vcard run --latency-ms (default 20)
  --profile P         card profile (default st-cns11)
  --runs N            insertions per operation; each gives one cold and --warm warm samples
                      (default 5)
  --warm N            warm operations after each cold one (default 4)
  --load-seconds S    duration of the status load (default 10, at most 60)
  --connections C     concurrent connections of the status load (default 16, at most 256)
  --load-tool T       wrk or node (default: wrk when installed, else node)
  --smoke             a quick run for ctest: --latency-ms 0 --runs 1 --warm 1 --load-seconds 2
  --doc FILE          also write the command, versions and table into FILE between
                      <!-- bench:begin --> and <!-- bench:end -->
  -h, --help          this text
EOF
}

build_dir=$root/build
latency=20
profile=st-cns11
runs=5
warm=4
load_seconds=10
connections=16
load_tool=""
doc=""
command_line="bench/daemon/daemon_bench.sh $*"
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --latency-ms) latency=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warm) warm=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --load-tool) load_tool=$2; shift 2 ;;
    --smoke) latency=0; runs=1; warm=1; load_seconds=2; connections=4; shift ;;
    --doc) doc=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "daemon_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$latency" "$runs" "$warm" "$load_seconds" "$connections"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "daemon_bench.sh: numbers only ($n)" >&2; exit 2; }
done
((runs >= 1 && load_seconds >= 1 && load_seconds <= 60 && connections >= 1 && connections <= 256)) \
  || { echo "daemon_bench.sh: --runs >= 1, --load-seconds 1-60, --connections 1-256" >&2; exit 2; }
if [[ -z $load_tool ]]; then
  if command -v wrk >/dev/null; then load_tool=wrk; else load_tool=node; fi
fi
[[ $load_tool == wrk || $load_tool == node ]] || { echo "--load-tool wrk|node" >&2; exit 2; }

: "${TSCNSD:=$build_dir/daemon/tscnsd}"
: "${TSCNS_VCARD:=$build_dir/vcard/tscns-vcard}"
: "${TSCNS_TEST_PINENTRY:=$build_dir/daemon/test-pinentry/tscns-test-pinentry}"
for b in "$TSCNSD" "$TSCNS_VCARD" "$TSCNS_TEST_PINENTRY"; do
  [[ -x $b ]] || { echo "daemon_bench.sh: no $b (build tscnsd tscns-vcard tscns-test-pinentry)" >&2; exit 1; }
done
export TSCNSD TSCNS_VCARD TSCNS_TEST_PINENTRY

source "$root/tests/e2e/lib.sh"
source "$root/tests/e2e/daemon_lib.sh"

card=$E2E_TMP/card
pin=24680135
e2e_new_card "$card" --profile "$profile" --seed 2024 --pin "$pin"
e2e_start_pcscd
d_start --rate-limit 0 --log-level warning
d_pinentry --pin "$pin"

# median of numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }

# op NAME: one identity or authenticate; appends "ms apdus" to $E2E_TMP/NAME.KIND
op() {
  local name=$1 kind=$2 before after body
  before=$(e2e_apdu_count "$E2E_TMP/apdu.log")
  if [[ $name == identity ]]; then body='{"lang":"it"}'; else body=$(d_auth_body "$(d_challenge)" fse-login-2fa); fi
  d_call POST "/v1/$name" "$body" >/dev/null
  [[ $D_STATUS == 200 ]] || e2e_fail "$name ($kind): $(d_said)"
  after=$(e2e_apdu_count "$E2E_TMP/apdu.log")
  echo "$(ms "$D_TIME") $((after - before))" >>"$E2E_TMP/$name.$kind"
}

for name in identity authenticate; do
  for r in $(seq "$runs"); do
    e2e_start_card "$card" 0 --latency-ms "$latency" --apdu-log "$E2E_TMP/apdu.log"
    pid=$E2E_LAST_CARD_PID
    d_wait_card_present true || e2e_fail "tscnsd does not see the card"
    op "$name" cold
    for _ in $(seq "$warm"); do op "$name" warm; done
    e2e_stop_card "$pid" 0
    d_wait_card_present false || e2e_fail "the card did not leave"
    e2e_log "$name run $r/$runs done"
  done
done

# Status under load (card inserted; answered from memory, no APDU).
e2e_start_card "$card" 0 --latency-ms "$latency" --apdu-log "$E2E_TMP/apdu.log"
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
apdu_before=$(e2e_apdu_count "$E2E_TMP/apdu.log")
url=http://127.0.0.1:$D_PORT/v1/status
if [[ $load_tool == wrk ]]; then
  threads=$((connections < 2 ? 1 : 2))
  timeout $((load_seconds + 30)) wrk -t"$threads" -c"$connections" -d"${load_seconds}s" --latency \
    -H "Origin: $D_ORIGIN" -H "X-CNS-Client: 1" -H "Sec-Fetch-Site: cross-site" -H "Sec-Fetch-Mode: cors" \
    "$url" >"$E2E_TMP/load.out" 2>&1 || { cat "$E2E_TMP/load.out" >&2; e2e_fail "wrk"; }
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$E2E_TMP/load.out")
  total=$(awk '/requests in/ { print $1 }' "$E2E_TMP/load.out")
  bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$E2E_TMP/load.out")
  errors=$(awk '/Socket errors:/ { print }' "$E2E_TMP/load.out")
  p50=$(awk '$1 == "50%" { print $2 }' "$E2E_TMP/load.out")
  p99=$(awk '$1 == "99%" { print $2 }' "$E2E_TMP/load.out")
  load_desc="wrk $({ wrk --version 2>&1 || true; } | awk 'NR == 1 { print $2 }'), $threads threads, $connections connections, ${load_seconds} s, keep-alive"
else
  timeout $((load_seconds + 30)) node "$here/load.mjs" --url "$url" --origin "$D_ORIGIN" \
    --connections "$connections" --seconds "$load_seconds" >"$E2E_TMP/load.out" 2>&1 \
    || { cat "$E2E_TMP/load.out" >&2; e2e_fail "load.mjs"; }
  rps=$(jq -r '.rps | floor' "$E2E_TMP/load.out")
  total=$(jq -r .requests "$E2E_TMP/load.out")
  bad=$(jq -r '.non2xx + .errors' "$E2E_TMP/load.out")
  errors=""
  p50="$(jq -r .p50ms "$E2E_TMP/load.out")ms"
  p99="$(jq -r .p99ms "$E2E_TMP/load.out")ms"
  load_desc="bench/daemon/load.mjs (Node $(node --version)), $connections connections, ${load_seconds} s, keep-alive"
fi
[[ -z ${bad:-} || $bad == 0 ]] || e2e_fail "status load: $bad answers were not 200 ($errors)"
[[ -n $rps && $rps -gt 0 ]] || e2e_fail "status load: no rate measured (load.out)"
status_apdus=$(($(e2e_apdu_count "$E2E_TMP/apdu.log") - apdu_before))
d_call GET /v1/status >/dev/null
[[ $D_STATUS == 200 ]] || e2e_fail "status after the load: $(d_said)"

row() { # NAME KIND
  local f=$E2E_TMP/$1.$2
  local n t a
  n=$(wc -l <"$f")
  t=$(cut -d' ' -f1 "$f" | median)
  a=$(cut -d' ' -f2 "$f" | sort -n | uniq | paste -sd/ -)
  echo "| $1 | $2 | $n | $t | $(cut -d' ' -f1 "$f" | sort -n | head -n 1)–$(cut -d' ' -f1 "$f" | sort -n | tail -n 1) | $a |"
}
table=$(
  echo "| Operation | Card | Samples | Median ms | Range ms | APDUs |"
  echo "|---|---|---|---|---|---|"
  row identity cold
  row identity warm
  row authenticate cold
  row authenticate warm
  echo
  echo "| Load | Requests | Requests/s | p50 | p99 | Errors | APDUs |"
  echo "|---|---|---|---|---|---|---|"
  echo "| GET /v1/status, $load_desc | $total | $rps | $p50 | $p99 | ${bad:-0} | $status_apdus |"
)
machine="$(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)"
versions="tscnsd $("$TSCNSD" --version | awk '{ print $2 }'), profile $profile ($(e2e_json "$card" keyBits)-bit), --latency-ms $latency, pcsc-lite $(pcscd --version 2>/dev/null | awk 'NR == 1 { sub(/\.$/, "", $NF); print $NF }'), $machine"
echo "$table"
echo
echo "$versions"

if [[ -n $doc ]]; then
  block=$(
    echo "<!-- bench:begin -->"
    echo "Command: \`$command_line\` ($(date -u +%Y-%m-%d))"
    echo
    echo "$versions"
    echo
    echo "$table"
    echo "<!-- bench:end -->"
  )
  if [[ -f $doc ]] && grep -q '<!-- bench:begin -->' "$doc"; then
    awk -v block="$block" '
      /<!-- bench:begin -->/ { print block; skip = 1; next }
      /<!-- bench:end -->/ { skip = 0; next }
      !skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
  else
    printf '%s\n' "$block" >>"$doc"
  fi
  e2e_log "wrote $doc"
fi
e2e_log "benchmark done"
