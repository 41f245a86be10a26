#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscnsd end to end (cns-auth.md §3, daemon/README.md): the vcard through pcscd and vpcd, tscnsd
# on loopback with a scripted pinentry, curl sending what a browser sends. Status, identity after
# consent, authenticate → token → `tscns verify`, and every user-visible error of an operation:
# NO_CARD, PIN_INCORRECT (pinTriesLeft), CARD_MISMATCH before any PIN, USER_CANCELLED,
# USER_TIMEOUT (pinentry timeout and a dialog that never answers), the page closing the
# connection, the card pulled during the dialog and during the APDUs, SIGTERM during a dialog;
# and that no verified PIN survives an operation.
#
# Usage: daemon_flow.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see daemon.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"

a=$E2E_TMP/a
b=$E2E_TMP/b
pin=24680135 # 8 digits: easy to look for in the logs
e2e_new_card "$a" --profile st-cns11 --seed 21 --pin "$pin"
e2e_new_card "$b" --profile st-cns11 --seed 22
cf=$(e2e_json "$a" codiceFiscale)
card_id=$(e2e_json "$a" cardId)
other_id=$(e2e_json "$b" cardId)
wrong_pin=13579024
apdu=$E2E_TMP/a.apdu
d_make_crl "$a" "$E2E_TMP/a.crl" || e2e_fail "openssl ca -gencrl"
e2e_start_pcscd
d_start --rate-limit 0 --ui-timeout 3
context=fse-login-2fa

# --- status without a card
d_call GET /v1/status >/dev/null
e2e_check "status: 200" test "$D_STATUS" = 200
e2e_check "status: protocol cns-auth:1, readers > 0, no card" \
  jqe '.protocol == "cns-auth:1" and .readers > 0 and .cardPresent == false and (.version | type == "string")' "$D_BODY"
e2e_check "status: Access-Control-Allow-Origin is the exact origin" test "$(d_header Access-Control-Allow-Origin)" = "$D_ORIGIN"
e2e_check "status: Vary: Origin" test "$(d_header Vary)" = Origin
e2e_check "status: Cache-Control no-store, nosniff, JSON" test \
  "$(d_header Cache-Control) $(d_header X-Content-Type-Options) $(d_header Content-Type)" = "no-store nosniff application/json"

# --- no card
d_pinentry --pin "$pin"
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "no card: 409 NO_CARD ($(d_said))" d_expect 409 NO_CARD
e2e_check "no card: retriable" jqe '.error.retriable == true' "$D_BODY"
e2e_check "no card: no dialog" d_pinentry_not_started

# --- the card arrives
e2e_start_card "$a" 0 --apdu-log "$apdu"
pid_a=$E2E_LAST_CARD_PID
e2e_check "status follows the insertion" d_wait_card_present true
e2e_check "status: nothing personal (no CF, card ID, name)" \
  bash -c "! grep -Eq '$cf|$card_id|$(e2e_json "$a" surname)' '$D_BODY'"
e2e_check "status sends no APDU" test "$(e2e_apdu_count "$apdu")" = 0

# --- identity after consent
d_pinentry
d_call POST /v1/identity '{"lang":"en"}' >/dev/null
e2e_check "identity: 200 ($(d_said))" test "$D_STATUS" = 200
openssl x509 -in "$a/cert.pem" -outform DER | base64 -w0 >"$E2E_TMP/cert.b64"
e2e_check "identity: the card's certificate" test "$(jq -r .certificate "$D_BODY")" = "$(cat "$E2E_TMP/cert.b64")"
e2e_check "identity: one consent dialog (CONFIRM), no PIN asked" \
  bash -c "d() { grep -c \"^\$1\" '$D_PINENTRY_REC'; }; [[ \$(d PID) == 1 && \$(d CONFIRM) == 1 && \$(d GETPIN) == 0 ]]"
e2e_check "identity dialog names the origin and the card's last digits, masks the CF" \
  bash -c "grep '^SETDESC' '$D_PINENTRY_REC' | grep -F 'portal.test.example' | grep -F '${card_id: -4}' | grep -vq '$cf'"
d_pinentry --not-confirm
d_call POST /v1/identity '{"lang":"it"}' >/dev/null
e2e_check "identity refused in the dialog: 409 USER_CANCELLED ($(d_said))" d_expect 409 USER_CANCELLED

# --- authenticate → token → tscns verify
challenge=$(d_challenge)
d_pinentry --pin "$pin"
before=$(wc -l <"$apdu")
d_call POST /v1/authenticate "$(d_auth_body "$challenge" $context "$card_id")" >/dev/null
e2e_check "authenticate: 200 ($(d_said))" test "$D_STATUS" = 200
e2e_check "authenticate: CORS headers for the origin" test "$(d_header Access-Control-Allow-Origin)" = "$D_ORIGIN"
jq .token "$D_BODY" >"$E2E_TMP/token.json"
e2e_check "token: cns-auth:1, RS256, the card's certificate and card ID" jqe --arg id "$card_id" \
  --arg cert "$(cat "$E2E_TMP/cert.b64")" \
  '.format == "cns-auth:1" and .algorithm == "RS256" and .cardId == $id and .unverifiedCertificate == $cert' "$E2E_TMP/token.json"
e2e_check "token: no origin, challenge, context or subject in it" \
  bash -c "! grep -Eq 'portal|$challenge|$context|$cf' '$E2E_TMP/token.json'"
e2e_check "authenticate: one dialog, the PIN asked once" \
  bash -c "[[ \$(grep -c '^PID' '$D_PINENTRY_REC') == 1 && \$(grep -c '^GETPIN' '$D_PINENTRY_REC') == 1 ]]"
verify() {
  "$TSCNS" verify --token "$E2E_TMP/token.json" --origin "$D_ORIGIN" --challenge "$challenge" \
    --context $context --ca "$a/ca.pem" --crl "$E2E_TMP/a.crl" --expect-cf "$cf" --json "$@" \
    >"$E2E_TMP/verify.json" 2>"$E2E_TMP/verify.err"
}
e2e_check "tscns verify accepts the token" verify
e2e_check "tscns verify: the holder's codice fiscale and card ID (as certified)" jqe --arg cf "$cf" \
  --arg id "$card_id" '.verified and .codiceFiscale == $cf and .codiceFiscaleCompared and .cardId == $id' "$E2E_TMP/verify.json"
e2e_check "tscns verify: the CRL was checked" jqe '.revocation[0].method == "crl"' "$E2E_TMP/verify.json"

# --- no verified PIN survives: the card is reset after the signature, and the next PIN status
# query (VERIFY without data) answers 63Cx, not 90 00.
tail -n +$((before + 1)) "$apdu" >"$E2E_TMP/op.apdu"
last_cmd=$(awk '$2 == ">" { n = NR } END { print n + 0 }' "$E2E_TMP/op.apdu")
e2e_check "authenticate: VERIFY sent once" test "$(awk '$2 == ">" && $4 == "20" && NF > 7' "$E2E_TMP/op.apdu" | wc -l)" = 1
e2e_check "authenticate: the card is reset after the last command" \
  bash -c "tail -n +$last_cmd '$E2E_TMP/op.apdu' | grep -Eq '# (reset|power off)'"
before=$(wc -l <"$apdu")
"$TSCNS" pin status --json >"$E2E_TMP/pinstatus.json" 2>&1 </dev/null || true
status_sw=$(tail -n +$((before + 1)) "$apdu" | awk '$2 == ">" && $4 == "20" && NF == 6 { want = 1; next } want && $2 == "<" { print $(NF - 1) $NF; want = 0 }' | tail -n 1)
e2e_check "after authenticate the PIN is not verified (status query answers $status_sw)" \
  bash -c "[[ '$status_sw' == 63C? ]]"
e2e_check "tscns pin status: 3 tries left" jqe '.triesLeft == 3' "$E2E_TMP/pinstatus.json"

# --- wrong PIN
d_pinentry --pin "$wrong_pin"
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "wrong PIN: 403 PIN_INCORRECT ($(d_said))" d_expect 403 PIN_INCORRECT
e2e_check "wrong PIN: pinTriesLeft 2, retriable" jqe '.error.pinTriesLeft == 2 and .error.retriable == true' "$D_BODY"
e2e_check "card state: 2 tries left" test "$(jq -r .pinTriesLeft "$a/state.json")" = 2
d_pinentry --pin "$pin"
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "right PIN after a wrong one: 200" test "$D_STATUS" = 200
e2e_check "the dialog told the tries left" grep -q '^SETDESC.*Tentativi rimasti: 2' "$D_PINENTRY_REC"
e2e_check "card state: tries back to 3" test "$(jq -r .pinTriesLeft "$a/state.json")" = 3
d_pinentry --pin 12
d_bg POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)"
e2e_check "a PIN of the wrong form is asked again" d_wait_pinentry SETERROR 10
d_call POST /v1/cancel '{}' >/dev/null
e2e_check "POST /v1/cancel: 204" test "$D_STATUS" = 204
d_bg_wait
e2e_check "cancelled by the page: 409 USER_CANCELLED ($(d_said))" d_expect 409 USER_CANCELLED
e2e_check "... and never reached the card (3 tries left)" test "$(jq -r .pinTriesLeft "$a/state.json")" = 3

# --- card mismatch: before any PIN
d_pinentry --pin "$pin"
before=$(wc -l <"$apdu")
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context "$other_id")" >/dev/null
e2e_check "expected.cardId of another card: 409 CARD_MISMATCH ($(d_said))" d_expect 409 CARD_MISMATCH
e2e_check "card mismatch: the pinentry was never started" d_pinentry_not_started
e2e_check "card mismatch: no VERIFY reached the card" \
  bash -c "! tail -n +$((before + 1)) '$apdu' | awk '\$2 == \">\" && \$4 == \"20\"' | grep -q ."

# --- the user cancels; the dialog times out; the dialog never answers
d_pinentry --cancel
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "dialog cancelled: 409 USER_CANCELLED ($(d_said))" d_expect 409 USER_CANCELLED
d_pinentry --timeout
start=$(e2e_ms)
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "pinentry timeout: 409 USER_TIMEOUT ($(d_said))" d_expect 409 USER_TIMEOUT
e2e_check "pinentry timeout: the dialog got SETTIMEOUT 3 (--ui-timeout)" grep -q '^SETTIMEOUT 3$' "$D_PINENTRY_REC"
e2e_check "pinentry timeout: answered after about 3 s" test $(($(e2e_ms) - start)) -lt 8000
d_pinentry --hang
start=$(e2e_ms)
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "dialog never answers: 409 USER_TIMEOUT ($(d_said))" d_expect 409 USER_TIMEOUT
e2e_check "dialog never answers: no hang ($(($(e2e_ms) - start)) ms)" test $(($(e2e_ms) - start)) -lt 15000
hung=$(awk '/^PID/ { print $2 }' "$D_PINENTRY_REC")
e2e_check "dialog never answers: its pinentry was killed" bash -c "! kill -0 $hung 2>/dev/null"
e2e_check "card state: no try spent by cancel and timeouts" test "$(jq -r .pinTriesLeft "$a/state.json")" = 3

# --- the page closes the connection (aborted fetch): the dialog closes
d_pinentry --hang
D_MAX_TIME=2 d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
hung=$(awk '/^PID/ { print $2 }' "$D_PINENTRY_REC")
gone() { for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
e2e_check "aborted request: the dialog is killed" gone "$hung"
d_pinentry --cancel
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "aborted request: the daemon is free again ($(d_said))" d_expect 409 USER_CANCELLED

# --- the card pulled while the dialog is open
d_pinentry --hang
start=$(e2e_ms)
d_bg POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)"
d_wait_pinentry GETPIN 10 || e2e_fail "no PIN dialog"
e2e_stop_card "$pid_a" 0
d_bg_wait
e2e_check "card pulled during the dialog: 409 NO_CARD ($(d_said))" d_expect 409 NO_CARD
e2e_check "card pulled during the dialog: answered at once ($(($(e2e_ms) - start)) ms)" test $(($(e2e_ms) - start)) -lt 6000
hung=$(awk '/^PID/ { print $2 }' "$D_PINENTRY_REC")
e2e_check "card pulled during the dialog: the dialog is closed" gone "$hung"
e2e_check "status follows the removal" d_wait_card_present false

# --- the card pulled during the APDUs, right after the VERIFY of phase 2
e2e_start_card "$a" 0 --apdu-log "$E2E_TMP/count.apdu"
pid_a=$E2E_LAST_CARD_PID
d_wait_card_present true || e2e_fail "card back"
d_pinentry --pin "$pin"
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
[[ $D_STATUS == 200 ]] || e2e_fail "authenticate for the APDU count: $(d_said)"
verify_at=$(awk '$2 == ">" { n++ } $2 == ">" && $4 == "20" && NF > 7 { print n; exit }' "$E2E_TMP/count.apdu")
total=$(e2e_apdu_count "$E2E_TMP/count.apdu")
e2e_log "one authenticate: $total APDUs, VERIFY is #$verify_at"
e2e_stop_card "$pid_a" 0
d_wait_card_present false || e2e_fail "card gone"
e2e_start_card "$a" 0 --remove-after "$verify_at" --reinsert-after-ms 2000 --apdu-log "$E2E_TMP/pulled.apdu"
d_wait_card_present true || e2e_fail "card back"
start=$(e2e_ms)
D_MAX_TIME=40 d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
took=$(($(e2e_ms) - start))
e2e_check "card pulled after VERIFY: an error, not a token ($(d_said))" \
  bash -c "[[ '$(d_code)' == NO_CARD || '$(d_code)' == INTERNAL ]] && [[ $D_STATUS == 409 || $D_STATUS == 500 ]]"
e2e_check "card pulled after VERIFY: NO_CARD ($(d_said))" d_expect 409 NO_CARD
e2e_check "card pulled after VERIFY: no hang ($took ms)" test "$took" -lt 10000
e2e_check "the card comes back" d_wait_card_present true
before=$(wc -l <"$E2E_TMP/pulled.apdu")
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "after the card came back: authenticate works ($(d_said))" test "$D_STATUS" = 200
sw=$(tail -n +$((before + 1)) "$E2E_TMP/pulled.apdu" | awk '$2 == ">" && $4 == "20" && NF == 6 { want = 1; next } want && $2 == "<" { print $(NF - 1) $NF; exit }')
e2e_check "after the card came back: the PIN was not verified any more ($sw)" bash -c "[[ '$sw' == 63C? ]]"

# --- SIGTERM during a dialog: the request is answered, the dialog killed, exit 0
d_pinentry --hang
d_bg POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)"
d_wait_pinentry GETPIN 10 || e2e_fail "no PIN dialog"
hung=$(awk '/^PID/ { print $2 }' "$D_PINENTRY_REC")
kill -TERM "$D_PID"
set +e; wait "$D_PID"; daemon_rc=$?; set -e
D_PID=""
d_bg_wait
e2e_check "SIGTERM: the waiting request is answered 503 ($(d_said))" test "$D_STATUS" = 503
e2e_check "SIGTERM: tscnsd exits 0" test "$daemon_rc" = 0
e2e_check "SIGTERM: the dialog is killed" gone "$hung"

# --- logs: never the PIN, holder data only masked
e2e_check "tscnsd log never contains the PIN" bash -c "! grep -Fq '$pin' '$E2E_TMP/tscnsd.log' && ! grep -Fq '$wrong_pin' '$E2E_TMP/tscnsd.log'"
e2e_check "tscnsd log: no codice fiscale, no full card ID" \
  bash -c "! grep -Fq '$cf' '$E2E_TMP/tscnsd.log' && ! grep -Fq '$card_id' '$E2E_TMP/tscnsd.log'"
e2e_summary
