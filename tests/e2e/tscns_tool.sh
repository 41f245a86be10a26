#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The `tscns` tool through pcscd + vpcd: two readers, a foreign card, a card pulled during
# `info`, `watch`, and the PIN life cycle (wrong, blocked, unblocked, changed).
source "$(dirname "$0")/lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"

a=$E2E_TMP/a
b=$E2E_TMP/b
foreign=$E2E_TMP/foreign
e2e_new_card "$a" --profile st-cns11 --seed 11
e2e_new_card "$b" --profile athena-cns10 --seed 12
e2e_new_card "$foreign" --profile foreign-idemia --seed 13
e2e_start_pcscd

# rc COMMAND...: the exit code, output kept in $E2E_TMP/out and err.
rc() { set +e; "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" </dev/null; local r=$?; set -e; echo $r; }

# --- no card
e2e_check "no card: exit 5" test "$(rc "$TSCNS" info)" = 5
e2e_check "no card: clear message" grep -q "no card" "$E2E_TMP/err"
e2e_check "unknown reader: exit 4" test "$(rc "$TSCNS" info --reader "No Such Reader")" = 4

# --- two readers, two cards
e2e_start_card "$a" 0
pid_a=$E2E_LAST_CARD_PID
e2e_start_card "$b" 1
pid_b=$E2E_LAST_CARD_PID
"$TSCNS" readers --json >"$E2E_TMP/readers.json"
both_listed() {
  [[ $(jq '[.readers[] | select(.cardPresent)] | length' "$E2E_TMP/readers.json") == 2 ]] \
    && jq -e '.readers[] | select(.name == "Virtual PCD 00 00")' "$E2E_TMP/readers.json" >/dev/null \
    && jq -e '.readers[] | select(.name == "Virtual PCD 00 01")' "$E2E_TMP/readers.json" >/dev/null
}
e2e_check "readers lists both readers with their cards" both_listed
id_of() { "$TSCNS" info --json --reader "$1" | jq -r .cardId; }
e2e_check "--reader 'Virtual PCD 00 00' picks card A" test "$(id_of "Virtual PCD 00 00")" = "$(e2e_json "$a" cardId)"
e2e_check "--reader 'Virtual PCD 00 01' picks card B" test "$(id_of "Virtual PCD 00 01")" = "$(e2e_json "$b" cardId)"
e2e_check "--reader 1 (index) picks card B" test "$(id_of 1)" = "$(e2e_json "$b" cardId)"
e2e_check "ambiguous --reader part: exit 4" test "$(rc "$TSCNS" info --reader "Virtual")" = 4
e2e_stop_card "$pid_b" 1

# --- not a TS-CNS
e2e_start_card "$foreign" 1
pid_f=$E2E_LAST_CARD_PID
e2e_check "foreign card: exit 6" test "$(rc "$TSCNS" info --reader 1)" = 6
e2e_check "foreign card: says it is not a TS-CNS" grep -q "not a TS-CNS" "$E2E_TMP/err"
e2e_stop_card "$pid_f" 1

# --- card pulled in the middle of info; watch sees the removal and the next insertion
e2e_stop_card "$pid_a" 0
"$TSCNS" watch --json --count 3 --timeout-ms 30000 >"$E2E_TMP/watch.jsonl" 2>"$E2E_TMP/watch.err" &
watch_pid=$!
sleep 0.5
e2e_start_card "$a" 0 --remove-after 8 --reinsert-after-ms 1500
start=$(date +%s)
code=$(rc timeout 20 "$TSCNS" info)
e2e_check "card pulled during info: exit 9 (got $code)" test "$code" = 9
e2e_check "card pulled during info: clear error ($(tr '\n' ' ' <"$E2E_TMP/err" | head -c 300))" grep -Eiq "removed|no card" "$E2E_TMP/err"
e2e_check "card pulled during info: no hang" test $(($(date +%s) - start)) -lt 10
set +e; wait "$watch_pid"; watch_rc=$?; set -e
e2e_check "watch ends after 3 events" test "$watch_rc" = 0
events=$(jq -r 'select(.initial == false) | .event + "@" + .reader' "$E2E_TMP/watch.jsonl" | tr '\n' ' ')
e2e_check "watch reports the insertion, the removal, the next insertion ($events)" \
  test "$events" = "card-inserted@Virtual PCD 00 00 card-removed@Virtual PCD 00 00 card-inserted@Virtual PCD 00 00 "
for _ in $(seq 50); do e2e_reader_has_card 0 && break; sleep 0.1; done
e2e_check "card back: info works again" test "$(rc "$TSCNS" info --json)" = 0

# --- PIN life cycle
pin=$(e2e_json "$a" pin)
puk=$(e2e_json "$a" puk)
wrong=$(printf '%s' "$pin" | tr '0-9' '1-90')
pinrc() { rc "$TSCNS" pin "$@" --pin-file "$E2E_TMP/secret"; }
printf '%s\n' "$pin" >"$E2E_TMP/secret"
e2e_check "right PIN: exit 0" test "$(pinrc verify)" = 0
printf '%s\n' "$wrong" >"$E2E_TMP/secret"
e2e_check "wrong PIN #1: exit 7" test "$(pinrc verify --json)" = 7
e2e_check "wrong PIN #1: 2 tries left" test "$(jq -r .error.triesLeft "$E2E_TMP/out")" = 2
e2e_check "wrong PIN #2: exit 7" test "$(pinrc verify)" = 7
e2e_check "wrong PIN #2: prints 1 try left" grep -q "1 try left" "$E2E_TMP/err"
e2e_check "wrong PIN #3: blocked, exit 8" test "$(pinrc verify)" = 8
printf '%s\n' "$pin" >"$E2E_TMP/secret"
e2e_check "right PIN once blocked: exit 8" test "$(pinrc verify)" = 8
e2e_check "info shows the PIN blocked" test "$("$TSCNS" info --json | jq -r .pin.blocked)" = true
printf '%s\n%s\n' "$puk" 24680 >"$E2E_TMP/secret"
e2e_check "unblock with the PUK: exit 0" test "$(pinrc unblock)" = 0
printf '24680\n' >"$E2E_TMP/secret"
e2e_check "new PIN after unblock works" test "$(pinrc verify)" = 0
printf '24680\n135790\n' >"$E2E_TMP/secret"
e2e_check "pin change: exit 0" test "$(pinrc change)" = 0
printf '24680\n' >"$E2E_TMP/secret"
e2e_check "old PIN stops working: exit 7" test "$(pinrc verify)" = 7
printf '135790\n' >"$E2E_TMP/secret"
e2e_check "new PIN works (and resets the tries)" test "$(pinrc verify)" = 0
# The verified-PIN rule: `pin verify` resets the card afterwards, so no other application finds the
# PIN verified (the empty VERIFY of `pin status` would answer 90 00).
e2e_check "after pin verify the PIN is no longer verified" \
  test "$("$TSCNS" pin status --json | jq -r '.verified, .triesLeft' | tr '\n' ' ')" = "false 3 "
e2e_check "PIN from standard input" test "$(set +e; printf '135790\n' | "$TSCNS" pin verify --pin-file - >/dev/null 2>&1; echo $?)" = 0
printf '12\n' >"$E2E_TMP/secret"
e2e_check "malformed PIN refused before the card: exit 10" test "$(pinrc verify)" = 10
e2e_check "malformed PIN cost no try" test "$(jq -r .pinTriesLeft "$a/state.json")" = 3
e2e_check "--pin on the command line is refused: exit 2" test "$(rc "$TSCNS" pin verify --pin 12345)" = 2
e2e_summary
