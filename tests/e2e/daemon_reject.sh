#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscnsd refuses what a browser page (or anything else on the machine) must not get
# (cns-auth.md §3.4, §3.5), with its error and nothing disclosed: a foreign or missing origin,
# a foreign Host (DNS rebinding), missing X-CNS-Client or JSON content type, wrong fetch
# metadata, bad preflights, oversized and malformed bodies, challenges too short and too long,
# unknown members, a second request while one runs (BUSY), a flood from one origin (rate limit).
# Every refusal is checked to start no pinentry and to send no APDU to the card.
#
# Usage: daemon_reject.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see daemon.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

a=$E2E_TMP/a
pin=24680135
e2e_new_card "$a" --profile st-cns11 --seed 31 --pin "$pin"
cf=$(e2e_json "$a" codiceFiscale)
card_id=$(e2e_json "$a" cardId)
apdu=$E2E_TMP/a.apdu
e2e_start_pcscd
e2e_start_card "$a" 0 --apdu-log "$apdu"
D_ORIGIN3=https://third-portal.test.example
d_start --rate-limit 3 --ui-timeout 60 --allow-origin "$D_ORIGIN2" --allow-origin "$D_ORIGIN3"
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
context=fse-login-2fa
good=$(d_auth_body "$(d_challenge)" $context)

# refused NAME STATUS CODE [cors|nocors] METHOD PATH [BODY] [curl options...]: the request is
# answered STATUS/CODE, with (cors) or without (nocors) CORS headers, and neither a dialog nor
# an APDU happened. Header variables (D_H_*) of the caller apply.
refused() {
  local name=$1 status=$2 code=$3 cors=$4 before
  shift 4
  d_pinentry --pin "$pin"
  before=$(e2e_apdu_count "$apdu")
  d_call "$@" >/dev/null
  e2e_check "$name: $status $code (got $(d_said))" d_expect "$status" "$code"
  if [[ $cors == nocors ]]; then
    e2e_check "$name: no Access-Control-* header" d_no_cors
  else
    e2e_check "$name: CORS headers for the origin" test "$(d_header Access-Control-Allow-Origin)" = "${D_H_ORIGIN:-$D_ORIGIN}"
  fi
  e2e_check "$name: no dialog, no APDU" \
    bash -c "[[ ! -s '$D_PINENTRY_REC' && \$('$E2E_TMP/apdu-count' '$apdu') == $before ]]"
  e2e_check "$name: discloses nothing (no CF, card ID, certificate)" \
    bash -c "! grep -Eq '$cf|$card_id|MII' '$D_BODY' '$D_HEAD'"
}
printf '#!/bin/sh\nawk '"'"'$2 == ">" { n++ } END { print n + 0 }'"'"' "$1" 2>/dev/null || echo 0\n' >"$E2E_TMP/apdu-count"
chmod 755 "$E2E_TMP/apdu-count"

# --- origin (§3.4 step 2): not on the allowlist, missing, http, not byte-exact
D_H_ORIGIN=https://evil.example refused "foreign origin, authenticate" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=https://evil.example refused "foreign origin, identity" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/identity '{}'
D_H_ORIGIN=https://evil.example refused "foreign origin, status" 403 ORIGIN_NOT_ALLOWED nocors GET /v1/status
D_H_ORIGIN=https://evil.example refused "foreign origin, cancel" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/cancel '{}'
D_H_ORIGIN=https://evil.example refused "foreign origin, preflight" 403 ORIGIN_NOT_ALLOWED nocors OPTIONS /v1/authenticate "" \
  -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type,x-cns-client'
D_H_ORIGIN=- refused "no Origin header" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=null refused "Origin: null (sandboxed frame)" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=${D_ORIGIN/https/http} refused "http:// twin of the allowed origin" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=$D_ORIGIN/ refused "allowed origin with a trailing slash" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=${D_ORIGIN^^} refused "allowed origin in upper case" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=$D_ORIGIN:443 refused "allowed origin with its default port" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
D_H_ORIGIN=https://sub.portal.test.example refused "subdomain of the allowed origin" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good"
refused "two Origin headers" 403 ORIGIN_NOT_ALLOWED nocors POST /v1/authenticate "$good" -H "Origin: https://evil.example"
d_call GET /v1/status >/dev/null
e2e_check "status for the allowed origin: 200 with ACAO = origin (never *)" \
  test "$D_STATUS $(d_header Access-Control-Allow-Origin)" = "200 $D_ORIGIN"

# --- Host (§3.4 step 1): DNS rebinding and other ports
D_H_HOST=evil.example:$D_PORT refused "foreign Host (DNS rebinding)" 403 BAD_REQUEST nocors POST /v1/authenticate "$good"
D_H_HOST=evil.example:$D_PORT refused "foreign Host, status" 403 BAD_REQUEST nocors GET /v1/status
D_H_HOST=127.0.0.1:$((D_PORT + 1)) refused "Host with another port" 403 BAD_REQUEST nocors POST /v1/authenticate "$good"
D_H_HOST=127.0.0.1 refused "Host without a port" 403 BAD_REQUEST nocors POST /v1/authenticate "$good"
D_H_HOST=127.0.0.2:$D_PORT refused "Host 127.0.0.2" 403 BAD_REQUEST nocors GET /v1/status
D_H_HOST=localhost:$D_PORT d_call GET /v1/status >/dev/null
e2e_check "Host localhost:PORT is accepted ($(d_said))" test "$D_STATUS" = 200
D_H_HOST="[::1]:$D_PORT" d_call GET /v1/status >/dev/null
e2e_check "Host [::1]:PORT is accepted ($(d_said))" test "$D_STATUS" = 200
if curl -sS -g --max-time 5 -o /dev/null -H "Origin: $D_ORIGIN" -H 'X-CNS-Client: 1' "http://[::1]:$D_PORT/v1/status" 2>/dev/null; then
  e2e_check "also served on [::1]" true
fi
loopback_only() {
  local addrs
  addrs=$(ss -Hltn "sport = :$D_PORT" | awk '{ print $4 }')
  [[ -n $addrs ]] && ! grep -Evq '^(127\.0\.0\.1|\[::1\]):' <<<"$addrs"
}
e2e_check "listening on loopback only ($(ss -Hltn "sport = :$D_PORT" | awk '{ print $4 }' | tr '\n' ' '))" loopback_only

# --- headers (§3.4 step 3)
D_H_CLIENT=- refused "POST without X-CNS-Client" 400 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_CLIENT=- refused "GET status without X-CNS-Client" 400 BAD_REQUEST cors GET /v1/status
D_H_CLIENT=2 refused "X-CNS-Client: 2" 400 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_CT=- refused "POST without a content type" 415 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_CT=text/plain refused "POST as text/plain (a simple, preflight-free request)" 415 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_CT=application/x-www-form-urlencoded refused "POST as a form" 415 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_SITE=same-origin refused "Sec-Fetch-Site: same-origin" 403 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_MODE=no-cors refused "Sec-Fetch-Mode: no-cors" 403 BAD_REQUEST cors POST /v1/authenticate "$good"
D_H_MODE=navigate refused "Sec-Fetch-Mode: navigate" 403 BAD_REQUEST cors GET /v1/status
refused "preflight asking for PUT" 403 BAD_REQUEST cors OPTIONS /v1/authenticate "" \
  -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type'
refused "preflight asking for another header" 403 BAD_REQUEST cors OPTIONS /v1/authenticate "" \
  -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type,x-cns-client,authorization'
d_call OPTIONS /v1/authenticate "" -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: content-type,x-cns-client' >/dev/null
e2e_check "preflight of the allowed origin: 204 ($(d_said))" test "$D_STATUS" = 204
e2e_check "preflight: methods, headers, PNA, max-age" test \
  "$(d_header Access-Control-Allow-Origin)|$(d_header Access-Control-Allow-Methods)|$(d_header Access-Control-Allow-Headers)|$(d_header Access-Control-Allow-Private-Network)|$(d_header Access-Control-Max-Age)" \
  = "$D_ORIGIN|GET, POST|Content-Type, X-CNS-Client|true|600"

# --- routing and bodies (§3.1, §3.4 step 4)
refused "GET /v1/authenticate" 405 BAD_REQUEST cors GET /v1/authenticate
refused "unknown path" 404 BAD_REQUEST cors POST /v1/sign '{"hash":"00"}'
refused "GET with a body" 400 BAD_REQUEST cors GET /v1/status '{"x":1}'
head -c 9000 /dev/zero | tr '\0' 'a' | jq -Rc --arg c "$(d_challenge)" '{challenge: $c, context: "x", lang: "it", pad: .}' >"$E2E_TMP/big.json"
refused "body over 8 KiB" 413 BAD_REQUEST cors POST /v1/authenticate "@$E2E_TMP/big.json"
head -c 100000 /dev/zero | tr '\0' 'a' >"$E2E_TMP/huge.txt"
d_pinentry --pin "$pin"
d_call POST /v1/authenticate "@$E2E_TMP/huge.txt" >/dev/null
e2e_check "body of 100 KB: 413 ($(d_said)), no dialog" bash -c "[[ $D_STATUS == 413 && ! -s '$D_PINENTRY_REC' ]]"
refused "malformed JSON" 400 BAD_REQUEST cors POST /v1/authenticate '{"challenge":'
refused "JSON that is not an object" 400 BAD_REQUEST cors POST /v1/authenticate '["a"]'
refused "challenge of 42 characters" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(d_auth_body "$(head -c 42 /dev/zero | tr '\0' A)" $context)"
refused "challenge of 129 characters" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(d_auth_body "$(head -c 129 /dev/zero | tr '\0' A)" $context)"
refused "challenge not base64url" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(d_auth_body "$(head -c 42 /dev/zero | tr '\0' A)+" $context)"
refused "context with capitals" 400 BAD_REQUEST cors POST /v1/authenticate "$(d_auth_body "$(d_challenge)" Login)"
refused "context of 65 characters" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(d_auth_body "$(d_challenge)" "$(head -c 65 /dev/zero | tr '\0' a)")"
refused "lang not shipped" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(jq -cn --arg c "$(d_challenge)" '{challenge: $c, context: "x", lang: "fr"}')"
refused "expected.cardId of 20 digits (the printed number)" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(d_auth_body "$(d_challenge)" $context 80380000301234567890)"
refused "a member outside the schema (a hash to sign)" 400 BAD_REQUEST cors POST /v1/authenticate \
  "$(jq -cn --arg c "$(d_challenge)" '{challenge: $c, context: "x", hash: "00"}')"
refused "duplicated member" 400 BAD_REQUEST cors POST /v1/authenticate \
  "{\"challenge\":\"$(d_challenge)\",\"context\":\"x\",\"context\":\"y\"}"
refused "missing challenge" 400 BAD_REQUEST cors POST /v1/authenticate '{"context":"x"}'
refused "identity with an unknown member" 400 BAD_REQUEST cors POST /v1/identity '{"lang":"it","pin":"12345"}'
for c in 43 128; do
  d_pinentry --cancel
  d_call POST /v1/authenticate "$(d_auth_body "$(head -c $c /dev/zero | tr '\0' A)" $context)" >/dev/null
  e2e_check "challenge of $c characters passes the checks (reaches the dialog: $(d_said))" \
    bash -c "[[ '$(d_said)' == '409 USER_CANCELLED' ]] && grep -q '^GETPIN' '$D_PINENTRY_REC'"
done

# --- one operation in flight (§3.4 step 5): BUSY while the first is held in the dialog
d_pinentry --hang
d_bg POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)"
d_wait_pinentry GETPIN 10 || e2e_fail "the first request shows no dialog"
D_H_ORIGIN=$D_ORIGIN2 d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "second request while one runs: 409 BUSY ($(d_said))" d_expect 409 BUSY
e2e_check "BUSY: retriable" jqe '.error.retriable == true' "$D_BODY"
d_call POST /v1/identity '{}' >/dev/null
e2e_check "identity while one runs: 409 BUSY ($(d_said))" d_expect 409 BUSY
e2e_check "BUSY: still one dialog only" test "$(d_pinentry_count)" = 1
d_call GET /v1/status >/dev/null
e2e_check "status while one runs: 200" test "$D_STATUS" = 200
D_H_ORIGIN=$D_ORIGIN2 d_call POST /v1/cancel '{}' >/dev/null
e2e_check "another origin's cancel: 204 ($(d_said))" test "$D_STATUS" = 204
sleep 0.5
e2e_check "another origin's cancel leaves the operation running" bash -c "! [[ -s '$E2E_TMP/bg.status' ]]"
d_call POST /v1/cancel '{}' >/dev/null
d_bg_wait
e2e_check "the page's cancel ends the first: 409 USER_CANCELLED ($(d_said))" d_expect 409 USER_CANCELLED

# --- rate limit (§3.4 step 5): --rate-limit 3 per origin per minute. A third allowlisted origin,
# untouched so far, floods: its first 3 operations run (the dialog cancels), the rest get 429.
d_pinentry --cancel
codes=()
for i in $(seq 12); do
  D_H_ORIGIN=$D_ORIGIN3 d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
  codes+=("$D_STATUS:$(d_code)")
done
e2e_log "flood from one origin: ${codes[*]}"
e2e_check "flood: 3 operations, then 429 BUSY for the other 9" \
  test "${codes[*]}" = "$(printf '409:USER_CANCELLED %.0s' 1 2 3)$(printf '429:BUSY %.0s' $(seq 8))429:BUSY"
e2e_check "flood: Retry-After set and readable by the page" \
  bash -c "[[ '$(d_header Retry-After)' =~ ^[1-9][0-9]*$ && '$(d_header Access-Control-Expose-Headers)' == Retry-After ]]"
e2e_check "flood: 3 dialogs, none for the refused requests" test "$(d_pinentry_count)" = 3
d_call GET /v1/status >/dev/null
e2e_check "flood: status still served" test "$D_STATUS" = 200
codes=()
for i in $(seq 5); do
  D_H_ORIGIN=$D_ORIGIN2 d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
  codes+=("$D_STATUS:$(d_code)")
done
e2e_log "other origin: ${codes[*]}"
e2e_check "the limit is per origin: the other origin gets its own 3 (its BUSY answer cost none)" \
  bash -c "[[ '${codes[*]}' == '409:USER_CANCELLED 409:USER_CANCELLED 409:USER_CANCELLED 429:BUSY 429:BUSY' ]]"

# --- a flood of bad requests from a foreign origin: all refused, the log stays short
log_before=$(grep -c 'rejected .* from origin' "$E2E_TMP/tscnsd.log" || true)
for i in $(seq 200); do
  D_H_ORIGIN=https://evil$i.example d_call POST /v1/authenticate "$good" >/dev/null
  [[ $D_STATUS == 403 ]] || e2e_fail "foreign origin #$i: $(d_said)"
done
e2e_check "200 foreign-origin requests: all 403" true
e2e_check "rejected origins are logged rate-limited (at most 10 a minute)" \
  test $(($(grep -c 'rejected .* from origin' "$E2E_TMP/tscnsd.log") - log_before)) -le 10
e2e_check "daemon still alive" kill -0 "$D_PID"
e2e_summary
