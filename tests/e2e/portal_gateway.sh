#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal's SMS through an HTTP gateway (tscns-test-sms-gateway on loopback, which records
# every POST): the desk's provisional half (`desk register --sms-gateway`, and through serve's
# --config file), the OTP of the first access and of a later login (`serve --sms-gateway`), the
# bearer token, a gateway that fails and then recovers (retry), a gateway that is down (the desk
# records nothing; the login shows an error page and works once it is back), and nothing in the
# outbox.
#
# Usage: portal_gateway.sh TSCNS_PORTAL TSCNS_TEST_SMS_GATEWAY
PORTAL=${1:?usage: portal_gateway.sh TSCNS_PORTAL TSCNS_TEST_SMS_GATEWAY}
GATEWAY=${2:?usage: portal_gateway.sh TSCNS_PORTAL TSCNS_TEST_SMS_GATEWAY}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/portal_lib.sh"
DB=$P_DB

# --- the fake gateway
GW_RECORD=$E2E_TMP/gateway.jsonl
GW_TOKEN=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$GW_TOKEN" >"$E2E_TMP/gateway.token"
: >"$GW_RECORD"
"$GATEWAY" --record "$GW_RECORD" --token "$GW_TOKEN" >"$E2E_TMP/gateway.out" 2>"$E2E_TMP/gateway.log" &
GW_PID=$!
e2e_at_exit "e2e_stop_pid $GW_PID"
for _ in $(seq 100); do grep -q '^listening' "$E2E_TMP/gateway.out" && break; sleep 0.05; done
GW_PORT=$(awk '/^listening/ { print $2 }' "$E2E_TMP/gateway.out")
[[ -n $GW_PORT ]] || e2e_fail "the fake SMS gateway does not listen"
GW_URL=http://127.0.0.1:$GW_PORT/sms
GW=(--sms-gateway "$GW_URL" --sms-gateway-token-file "$E2E_TMP/gateway.token")

# gw_fail N: the gateway answers 503 to its next N requests.
gw_fail() { curl -sf --noproxy '*' "http://127.0.0.1:$GW_PORT/_fail/$1" >/dev/null; }
# gw_count [JQ_FILTER]: how many recorded requests match (all by default).
gw_count() { jq -s "[.[] | select(${1:-true})] | length" "$GW_RECORD"; }
# gw_code KIND: the password half or code in the text of the last delivered SMS of KIND.
gw_code() {
  jq -r --arg k "$1" 'select(.status == 200 and .body.kind == $k) | .body.text' "$GW_RECORD" \
    | tail -n 1 | sed -n "s/.* e' \([^ .]*\)\..*/\1/p"
}
# Here every SMS goes to the gateway: the portal_lib.sh helpers read their codes from it.
last_code() { gw_code "$1"; }
outbox_count() { sms | jq length; }

# --- the desk through the gateway
reg=$("$PORTAL" desk register --db "$DB" "${GW[@]}" --card-number 80380000301234567890 \
  --cf RSSMRA85T10A562S --mobile "+39 333 0000001" --given-name Mario --surname Rossi --json)
user=$(jq -r .userId <<<"$reg")
half1=$(jq -r .provisionalPasswordFirstHalf <<<"$reg")
half2=$(gw_code provisional-password)
e2e_check "desk register --sms-gateway: the gateway got the provisional half (${#half2} characters)" \
  test "${#half2}" = 5
e2e_check "desk register: one JSON POST {to, text, kind} with the bearer token" \
  test "$(gw_count ".status == 200 and .path == \"/sms\" and (.contentType | startswith(\"application/json\")) and .authorization == \"Bearer $GW_TOKEN\" and (.body | keys) == [\"kind\", \"text\", \"to\"] and .body.to == \"+393330000001\"")" = 1
e2e_check "desk register: the paper half is not in the SMS" \
  bash -c "! jq -r .body.text '$GW_RECORD' | grep -qF '$half1$half2'"
e2e_check "desk register: nothing in the outbox" test "$(outbox_count)" = 0

# The same through serve's configuration file (its serve-only keys are ignored by the desk).
CONF=$E2E_TMP/portal.json
jq -n --arg db "$DB" --arg gw "$GW_URL" --arg tf "$E2E_TMP/gateway.token" \
  '{db: $db, "sms-gateway": $gw, "sms-gateway-token-file": $tf, "ip-limit": 200, threads: 4}' >"$CONF"
before=$(gw_count)
e2e_check "desk register --config FILE: delivered through the file's gateway" \
  bash -c "'$PORTAL' desk register --config '$CONF' --card-number 80380000302222222222 --cf VRDLGU80A01F205T --mobile 3330000002 --given-name Luigi --surname Verdi --json >/dev/null && test \$(jq -s length '$GW_RECORD') = $((before + 1))"

# A gateway down for all three tries: the desk is told, and nothing was recorded.
gw_fail 3
e2e_check "desk register, gateway down: fails with the reason" \
  bash -c "! '$PORTAL' desk register --db '$DB' ${GW[*]@Q} --card-number 80380000303333333333 --cf BNCGNN75C03L219Z --mobile 3330000003 --given-name Giovanni --surname Bianchi 2>'$E2E_TMP/desk-down.err' && grep -q 'nothing was registered.*HTTP 503 (3 tries)' '$E2E_TMP/desk-down.err'"
e2e_check "desk register, gateway down: the desk can try again at once" \
  bash -c "'$PORTAL' desk register --db '$DB' ${GW[*]@Q} --card-number 80380000303333333333 --cf BNCGNN75C03L219Z --mobile 3330000003 --given-name Giovanni --surname Bianchi >/dev/null"
# A wrong token is refused by the gateway: final (no retry).
printf 'wrong\n' >"$E2E_TMP/wrong.token"
before=$(gw_count)
e2e_check "desk register, wrong token: 401 is final, one request" \
  bash -c "! '$PORTAL' desk register --db '$DB' --sms-gateway '$GW_URL' --sms-gateway-token-file '$E2E_TMP/wrong.token' --card-number 80380000304444444444 --cf NREPLA70D04H501O --mobile 3330000004 --given-name Paola --surname Neri 2>'$E2E_TMP/desk-401.err' && grep -q 'HTTP 401 (1 try)' '$E2E_TMP/desk-401.err' && test \$(jq -s length '$GW_RECORD') = $((before + 1))"

# --- serve through the gateway (the same configuration file)
p_start portal --config "$CONF"
e2e_check "serve --config: SMS by gateway" grep -q 'SMS by gateway' "$E2E_TMP/portal.log"
newpw="una frase lunga e sua"
e2e_check "first access with the code the gateway received -> /home" \
  p_first_access "$user" "$half1$half2" "$newpw"
e2e_check "first access: the OTP went to the gateway with the token" \
  test "$(gw_count ".status == 200 and .body.kind == \"otp\" and .authorization == \"Bearer $GW_TOKEN\"")" = 1

# A gateway failing twice, then recovering: the code still arrives (third try).
gw_fail 2
before=$(gw_count)
e2e_check "a login while the gateway fails twice still gets its code -> /home" \
  p_sms_login "$user" "$newpw"
e2e_check "the gateway saw 503, 503, then 200 for the code" \
  test "$(jq -s --argjson n "$before" '[.[$n:][] | select(.body.kind == "otp") | .status] | .[0:3]' -c "$GW_RECORD")" = "[503,503,200]"

# A gateway down for every try: an error page, no crash; the next login works.
gw_fail 3
p_password "$user" "$newpw"
req GET /login/second-factor
post /login/otp/send csrf="$(csrf)"
e2e_check "gateway down: sending the code answers an error page ($STATUS)" \
  bash -c "test '$STATUS' = 503 && grep -q 'inviare il codice SMS' '$P_BODY'"
e2e_check "gateway down: the portal still answers" bash -c "curl -sk --noproxy '*' '$BASE/healthz' | grep -q ok"
e2e_check "gateway back: the next login completes" p_sms_login "$user" "$newpw"

e2e_check "notifications go to the gateway too" \
  test "$(gw_count '.status == 200 and .body.kind == "notification"')" -ge 1
e2e_check "nothing ever landed in the outbox" test "$(outbox_count)" = 0
e2e_check "no SMS text in the portal's log" bash -c "! grep -q 'codice di accesso' '$E2E_TMP/portal.log'"

e2e_summary
[[ $E2E_FAILED == 0 ]]
