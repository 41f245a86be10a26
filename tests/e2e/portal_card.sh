#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal's card step end to end, without a browser: curl does what card-login.js does
# (challenge from the portal, a cns-auth:1 token from tscnsd for a virtual card through pcscd and
# vpcd with a scripted pinentry, the token back to the portal). Checks: login with password +
# card ("pwd + card" on /home), the card step refused without the password step or with a wrong
# X-CSRF-Token, a replayed token, a token for another login's challenge, a token made for another
# origin, another person's card, and card renewal: the new card works as second factor of the old
# user ID, which then retires the old card and its user ID.
#
# Usage: portal_card.sh TSCNS_PORTAL TSCNSD TSCNS_TEST_PINENTRY [sqlite|postgresql]
PORTAL=${1:?usage: portal_card.sh TSCNS_PORTAL TSCNSD TSCNS_TEST_PINENTRY [sqlite|postgresql]}
TSCNSD=${2:?}
TSCNS_TEST_PINENTRY=${3:?}
BACKEND=${4:-sqlite}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
P_BACKEND=$BACKEND
source "$(dirname "$0")/portal_lib.sh"
source "$(dirname "$0")/portal_card_lib.sh"

pc_new_cards 61
# tscnsd also allows a second origin, to make a token for a page that is not the portal.
PC_TSCNSD_ARGS=(--allow-origin "$D_ORIGIN2")
pc_start

p_register_holder "$PC_CARD" 80380000301111122222
cf=$P_CF user=$P_USER
pw="la tessera nel lettore"
e2e_check "first access with the SMS code" p_first_access "$user" "$P_HALF1$P_HALF2" "$pw"

# --- password + card
d_pinentry --pin "$PC_PIN"
e2e_check "password + card -> /home" pc_card_login "$user" "$pw"
token1=$PC_TOKEN
e2e_check "the card step asked consent and the PIN once" test "$(d_pinentry_count)" = 1
req GET /home
e2e_check "home: the holder and amr pwd + card" bash -c "grep -q '$P_GIVEN $P_SURNAME' '$P_BODY' && grep -q 'pwd + card' '$P_BODY'"
e2e_check "the card is still at 3 PIN tries" jqe '.pinTriesLeft == 3' "$PC_CARD/state.json"

# --- no card step without the password step, nor with a wrong X-CSRF-Token
p_new_session
req GET /login
post_json /login/card/challenge "$(meta_csrf)" '{}'
e2e_check "no challenge before the password step ($STATUS)" bash -c "test $STATUS != 200 || ! jq -e .challenge '$P_BODY' >/dev/null"
p_password "$user" "$pw"
req GET /login/second-factor
post_json /login/card/challenge wrong-token '{}'
e2e_check "a wrong X-CSRF-Token gets no challenge (403)" test "$STATUS" = 403

# --- a replayed token, a token for another login, a token for another origin
pc_challenge
pc_verify "$token1"
e2e_check "a replayed token is refused ($(pc_error_code))" bash -c "test -z '$(pc_redirect)' && test -n '$(pc_error_code)'"
p_password "$user" "$pw"
pc_challenge
pc_token
theirs=$PC_TOKEN
p_password "$user" "$pw"
pc_challenge
pc_verify "$theirs"
e2e_check "a token for another login's challenge is refused ($(pc_error_code))" \
  bash -c "test -z '$(pc_redirect)' && test -n '$(pc_error_code)'"
p_password "$user" "$pw"
pc_challenge
pc_token "$D_ORIGIN2"
e2e_check "tscnsd made a token for the other origin" test -n "$PC_TOKEN"
pc_verify "$PC_TOKEN"
e2e_check "a token made for another origin is refused ($(pc_error_code))" \
  bash -c "test -z '$(pc_redirect)' && test -n '$(pc_error_code)'"

# --- another person's card
pc_insert "$PC_OTHER"
d_pinentry --pin "$PC_PIN"
e2e_check "another person's card is refused" e2e_not pc_card_login "$user" "$pw"
e2e_log "answer: $(cat "$P_BODY")"
e2e_check "another person's card: an error the page can show" test -n "$(pc_error_code)"
req GET /home
e2e_check "another person's card: no session" test "$STATUS $LOCATION" = "303 /login"

# --- renewal: the new card of the same person
e2e_check "the renewal card comes from the same CA" cmp -s "$PC_CARD/ca.pem" "$PC_RENEWAL/ca.pem"
new_user=$("$PORTAL" cards add --db "$P_DB" --cf "$cf" --card-number 80380000303333344444 \
  --card-expiry "$(e2e_json "$PC_RENEWAL" expiryDate)" --json | jq -r .userId)
e2e_check "cards add: the new card's user ID" test "$new_user" = 3333344444
pc_insert "$PC_RENEWAL"
d_pinentry --pin "$PC_PIN"
e2e_check "renewal: the new card is the second factor of the old user ID" pc_card_login "$user" "$pw"
e2e_check "renewal: the card-replaced notification was sent" \
  jqe '[.[] | select(.kind == "notification" and (.text | test("nuova tessera")))] | length >= 1' <(sms)
p_password "$user" "$pw"
e2e_check "renewal: the old card's user ID no longer works" p_error_page
pc_insert "$PC_CARD"
d_pinentry --pin "$PC_PIN"
e2e_check "renewal: the old card no longer works as second factor" e2e_not pc_card_login "$new_user" "$pw"
e2e_log "answer: $(cat "$P_BODY")"
pc_insert "$PC_RENEWAL"
d_pinentry --pin "$PC_PIN"
e2e_check "renewal: the new user ID + the new card -> /home" pc_card_login "$new_user" "$pw"
p_sql "SELECT event, subject, detail FROM audit_log ORDER BY at" >"$E2E_TMP/audit.txt"
other_cf=$(e2e_json "$PC_OTHER" codiceFiscale)
e2e_check "audit: the other person's card refused as an identity mismatch" grep -q '^card-failed|.*IDENTITY_MISMATCH' "$E2E_TMP/audit.txt"
e2e_check "audit: the replayed and foreign tokens refused by their signature" \
  test "$(grep -c '^card-failed|.*BAD_SIGNATURE' "$E2E_TMP/audit.txt")" = 3
e2e_check "audit: the replaced card refused as replaced" grep -q '^card-failed|.*replaced by a newer one' "$E2E_TMP/audit.txt"
e2e_check "no full codice fiscale in the audit log or the portal's log" \
  bash -c "! grep -q -e '$cf' -e '$other_cf' '$E2E_TMP/audit.txt' '$E2E_TMP/portal.log'"

e2e_summary
[[ $E2E_FAILED == 0 ]]
