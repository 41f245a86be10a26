#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A fault at every APDU of every card operation (docs/faults.md): `tscns info`, `pkcs11-tool -O`,
# login + signature (pkcs11-tool), tscnsd authenticate, `tscns pin change` and `tscns pin
# unblock`. Each operation is first run cleanly with --apdu-log to count its APDUs (n); then for
# every k = 1..n it is replayed against a fresh tscns-vcard with
#   pulled   --pull-at k                      (the card leaves while APDU k is in flight)
#   garbage  --garbage-at k:KIND              (APDU k runs, its answer is malformed; KIND cycles
#                                              byte, noise, cut with k)
#   mute     --mute-at k --mute-give-up-ms 300 (APDU k never answered; the reader gives up)
# Every run must end with a clear error or success (no crash, no hang beyond the timeout), spend
# no PIN/PUK try unless the PIN command reached the card (then exactly the one asked for), send
# the PIN command at most once, and the same operation must succeed after reinsertion.
# Then: tscnsd answers status and cancel while a card is mute, and `tscns --timeout` gives up on
# a card that stays mute (exit 12). A summary table is printed at the end.
#
# Environment: FAULTS_OPS="info sign ..." (a subset, for development), FAULTS_MUTE=all|sample (default all; sample = every third k plus the PIN command,
# for slow machines). Usage: faults.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"
: "${TSCNS_MODULE:?TSCNS_MODULE must name the staged tscns-pkcs11.so}"

card=$E2E_TMP/card
pin=24680135
e2e_new_card "$card" --profile st-cns11 --seed 31 --pin "$pin"
puk=$(e2e_json "$card" puk)
pin_max=$(jq -r .pinTriesLeft "$card/state.json")
puk_max=$(jq -r .pukTriesLeft "$card/state.json")
printf '%s\n%s\n' "$pin" "$pin" >"$E2E_TMP/change.pins" # change to the same PIN: state stays
printf '%s\n%s\n' "$puk" "$pin" >"$E2E_TMP/unblock.pins"
printf 'data to sign for the fault test\n' >"$E2E_TMP/data.txt"
e2e_start_pcscd
d_start --rate-limit 0 --ui-timeout 10
context=fse-login-2fa
OP_TIMEOUT=40 # the documented CLI timeout (30 s) plus the removal wait, with room

# ---- the operations: op_NAME runs it once (output in $E2E_TMP/op.out), returns its status.
op_info() { timeout "$OP_TIMEOUT" "$TSCNS" info --json >"$E2E_TMP/op.out" 2>&1; }
op_objects() { timeout "$OP_TIMEOUT" pkcs11-tool --module "$TSCNS_MODULE" -O >"$E2E_TMP/op.out" 2>&1; }
op_sign() {
  timeout "$OP_TIMEOUT" pkcs11-tool --module "$TSCNS_MODULE" --login --pin "$pin" --sign \
    -m SHA256-RSA-PKCS -i "$E2E_TMP/data.txt" -o "$E2E_TMP/sig.bin" >"$E2E_TMP/op.out" 2>&1
}
op_change() { timeout "$OP_TIMEOUT" "$TSCNS" pin change --pin-file "$E2E_TMP/change.pins" >"$E2E_TMP/op.out" 2>&1; }
op_unblock() { timeout "$OP_TIMEOUT" "$TSCNS" pin unblock --pin-file "$E2E_TMP/unblock.pins" >"$E2E_TMP/op.out" 2>&1; }
op_daemon() {
  d_pinentry --pin "$pin"
  D_MAX_TIME=$OP_TIMEOUT d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
  cp "$D_BODY" "$E2E_TMP/op.out"
  kill -0 "$D_PID" 2>/dev/null || return 200 # the daemon died
  [[ $D_STATUS == 200 ]] && return 0
  [[ $D_STATUS == 000 ]] && return 124 # no answer within the limit: a hang
  return 1
}
# The INS of the command that carries the PIN or PUK.
declare -A pin_ins=([info]="" [objects]="" [sign]=20 [daemon]=20 [change]=24 [unblock]=2C)
# FAULTS_OPS: a subset of the operations, for a quick look (the test itself runs them all).
read -r -a ops <<<"${FAULTS_OPS:-info objects sign daemon change unblock}"

# ---- card handling
card_pid=""
stop_card() {
  [[ -n $card_pid ]] || return 0
  e2e_stop_card "$card_pid" 0
  card_pid=""
}
e2e_at_exit stop_card
# start_card [fault options...]: presets the tries (PIN one below the maximum, so that a try
# spent shows either way), starts the card with a fresh APDU log. START_KEEP_TRIES=1: as they are.
start_card() {
  [[ -n ${START_KEEP_TRIES:-} ]] || jq --argjson p $((pin_max - 1)) --argjson u $((puk_max - 1)) \
    '.pinTriesLeft = $p | .pukTriesLeft = $u' "$card/state.json" >"$card/state.json.new"
  [[ -n ${START_KEEP_TRIES:-} ]] || mv "$card/state.json.new" "$card/state.json"
  local attempt _
  for attempt in 1 2 3; do
    : >"$E2E_TMP/run.apdu"
    "$TSCNS_VCARD" run "$card" --vpcd 127.0.0.1:35963 --apdu-log "$E2E_TMP/run.apdu" "$@" \
      >>"$E2E_TMP/card0.log" 2>&1 &
    card_pid=$!
    E2E_CARD_PIDS+=("$card_pid")
    for _ in $(seq 50); do
      e2e_reader_has_card 0 && return 0
      sleep 0.1
    done
    # pcscd's vpcd driver now and then misses an insertion right after a removal; a new
    # connection is a new insertion (counted in the summary, never a fault run's result).
    e2e_log "the card did not appear within 5 s (attempt $attempt); inserting it again"
    card_retries=$((card_retries + 1))
    e2e_stop_pid "$card_pid"
    card_pid=""
    sleep 1
  done
  e2e_fail "the card did not appear in Virtual PCD 00 00 (see card0.log, pcscd.log)"
}
card_retries=0
# pin_commands FILE INS: how many commands with INS and data (a PIN/PUK) FILE holds.
pin_commands() { awk -v ins="$2" '$2 == ">" && $4 == ins && NF > 7 { n++ } END { print n + 0 }' "$1"; }
# pin_command_ran FILE INS: true when such a command reached the card and was answered (or
# garbled: garbage is logged as the answer); a pulled or muted one has no '<' line after it.
pin_command_ran() {
  awk -v ins="$2" '$2 == ">" { want = ($4 == ins && NF > 7); next }
                   $2 == "<" && want { found = 1 } END { exit !found }' "$1"
}

# ---- 1. the clean transcripts: n APDUs per operation, the PIN command's position
declare -A count pin_at
for op in "${ops[@]}"; do
  start_card
  [[ $op == daemon ]] && { d_wait_card_present true || e2e_fail "tscnsd does not see the card"; }
  n_before=$(e2e_apdu_count "$E2E_TMP/run.apdu")
  e2e_check "$op: clean run succeeds" "op_$op"
  count[$op]=$(($(e2e_apdu_count "$E2E_TMP/run.apdu") - n_before))
  e2e_check "$op: no APDU before the operation (pcscd sends none)" test "$n_before" = 0
  pin_at[$op]=0
  if [[ -n ${pin_ins[$op]} ]]; then
    pin_at[$op]=$(awk -v ins="${pin_ins[$op]}" '$2 == ">" { k++; if ($4 == ins && NF > 7) { print k; exit } }' "$E2E_TMP/run.apdu")
    e2e_check "$op: one PIN command in the clean run" test "$(pin_commands "$E2E_TMP/run.apdu" "${pin_ins[$op]}")" = 1
  fi
  cp "$E2E_TMP/run.apdu" "$E2E_TMP/clean-$op.apdu"
  stop_card
  e2e_log "$op: ${count[$op]} APDUs, PIN command at ${pin_at[$op]}"
done

# ---- 2. every k, every fault
kinds=(byte noise cut)
summary=$E2E_TMP/summary.txt
printf '%-8s %3s  %-13s %4s %-7s %-14s %s\n' operation k fault rc pin/puk "result time" check >"$summary"
failures=0
runs=0
started=$(e2e_ms)
bad() { # a failed expectation of one run: recorded, the test fails at the end
  failures=$((failures + 1))
  e2e_log "FAIL $op k=$k $fault: $*"
  sed 's/^/    /' "$E2E_TMP/op.out" | head -n 5 >&2
  outcome="FAIL: $*"
}
one_run() { # op k fault options...
  op=$1 k=$2 fault=$3
  shift 3
  runs=$((runs + 1))
  outcome=ok
  start_card "$@"
  [[ $op == daemon ]] && { d_wait_card_present true || bad "tscnsd does not see the card"; }
  local t0 rc=0 ms
  t0=$(e2e_ms)
  "op_$op" || rc=$?
  ms=$(($(e2e_ms) - t0))
  cp "$E2E_TMP/run.apdu" "$E2E_TMP/fault.apdu"
  local tries_p tries_u
  tries_p=$(jq -r .pinTriesLeft "$card/state.json")
  tries_u=$(jq -r .pukTriesLeft "$card/state.json")
  if ((rc == 124 || rc == 200 || rc >= 128)); then
    bad "crash or hang (status $rc after $ms ms)"
  elif ((rc != 0)) && [[ ! -s $E2E_TMP/op.out ]]; then
    bad "failed (status $rc) without a message"
  fi
  if [[ $rc == 0 ]]; then
    result="ok"
  else
    result="error"
    [[ $op == daemon ]] && result="error $(d_said)"
  fi
  # PIN/PUK tries: unchanged unless the PIN command reached the card; then the one asked for
  # (a correct PIN or PUK restores the maximum).
  local ins=${pin_ins[$op]} want_p=$((pin_max - 1)) want_u=$((puk_max - 1))
  if [[ -n $ins ]]; then
    (($(pin_commands "$E2E_TMP/fault.apdu" "$ins") <= 1)) || bad "the PIN command went out twice"
    if pin_command_ran "$E2E_TMP/fault.apdu" "$ins"; then
      want_p=$pin_max
      [[ $op == unblock ]] && want_u=$puk_max
    fi
  fi
  [[ $tries_p == "$want_p" ]] || bad "PIN tries $tries_p, expected $want_p"
  [[ $tries_u == "$want_u" ]] || bad "PUK tries $tries_u, expected $want_u"
  # The next operation, after the card was taken out (if it is still in) and put back: a new
  # card process, so that pcscd surely saw the removal and the insertion.
  stop_card
  START_KEEP_TRIES=1 start_card
  [[ $op == daemon ]] && { d_wait_card_present true || bad "tscnsd does not see the card again"; }
  "op_$op" || bad "the operation after reinsertion failed"
  stop_card
  printf '%-8s %3s  %-13s %4s %-7s %-14s %s\n' "$op" "$k" "$fault" "$rc" "$tries_p/$tries_u" \
    "$result ${ms}ms" "$outcome" >>"$summary"
}
mute_k() { # op k: whether the mute fault runs at k (FAULTS_MUTE=sample: a documented subset)
  [[ ${FAULTS_MUTE:-all} == all ]] && return 0
  (($2 % 3 == 1 || $2 == ${pin_at[$1]} || $2 == ${count[$1]}))
}
for op in "${ops[@]}"; do
  for ((k = 1; k <= count[$op]; k++)); do
    one_run "$op" "$k" pulled --pull-at "$k"
    kind=${kinds[$((k % 3))]}
    one_run "$op" "$k" "garbage:$kind" --garbage-at "$k:$kind"
    if mute_k "$op" "$k"; then
      one_run "$op" "$k" mute --mute-at "$k" --mute-give-up-ms 300
    fi
  done
done
elapsed=$(($(e2e_ms) - started))
cat "$summary"
e2e_log "$runs fault runs in $((elapsed / 1000)) s, $failures failed, $card_retries insertions repeated"
e2e_check "every fault run ended cleanly, spent no extra try, and the next operation succeeded" \
  test "$failures" = 0

# ---- 3. tscnsd answers status and cancel while an operation is blocked on a mute card
if [[ -n ${pin_at[daemon]:-} ]]; then
start_card --mute-at "${pin_at[daemon]}" # mute at VERIFY, no give-up: silent until pulled
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
d_pinentry --pin "$pin"
D_MAX_TIME=60 d_bg POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)"
for _ in $(seq 100); do grep -q "mute-at" "$E2E_TMP/run.apdu" && break; sleep 0.1; done
e2e_check "mute daemon: the operation reached the mute APDU" grep -q "mute-at" "$E2E_TMP/run.apdu"
d_call GET /v1/status >/dev/null
e2e_check "mute daemon: GET /v1/status answers 200 meanwhile ($D_STATUS in $D_TIME s)" \
  awk -v s="$D_STATUS" -v t="$D_TIME" 'BEGIN { exit !(s == 200 && t < 2) }'
d_call POST /v1/cancel '{}' >/dev/null
e2e_check "mute daemon: POST /v1/cancel answers meanwhile ($D_STATUS in $D_TIME s)" \
  awk -v s="$D_STATUS" -v t="$D_TIME" 'BEGIN { exit !(s ~ /^2/ && t < 2) }'
t0=$(e2e_ms)
stop_card # the user pulls the card: the reader gives up
d_bg_wait
e2e_check "mute daemon: authenticate ends with a clear error ($(d_said))" \
  bash -c '[[ $1 =~ ^4|^5 ]] && [[ -n $2 ]]' _ "$D_STATUS" "$(d_code)"
e2e_check "mute daemon: within 10 s of the removal" test $(($(e2e_ms) - t0)) -lt 10000
e2e_check "mute daemon: no PIN try spent" test "$(jq -r .pinTriesLeft "$card/state.json")" = $((pin_max - 1))
start_card
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
e2e_check "mute daemon: the next authenticate succeeds" op_daemon
stop_card
fi

# ---- 4. tscns --timeout gives up on a card that stays mute
start_card --mute-at 2
t0=$(e2e_ms)
rc=0
timeout 30 "$TSCNS" --timeout 2 info >"$E2E_TMP/op.out" 2>&1 || rc=$?
ms=$(($(e2e_ms) - t0))
e2e_check "tscns --timeout 2 on a mute card: exit 12 (got $rc after $ms ms)" test "$rc" = 12
e2e_check "tscns --timeout: within 6 s" test "$ms" -lt 6000
e2e_check "tscns --timeout: says so" grep -q "did not answer within 2 s" "$E2E_TMP/op.out"
stop_card
start_card
e2e_check "tscns info after the mute card is replaced" op_info
stop_card

e2e_summary
