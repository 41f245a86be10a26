#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal over HTTPS with curl, as a browser without JavaScript would use it: desk
# registration, first access (paper half + SMS half of the provisional password, new password,
# SMS code), a later login with an SMS code, and what is refused: CSRF missing or wrong, a
# replayed SMS code, wrong codes until the code dies, brute force on the password (slowed down,
# same answer for unknown user IDs), a provisional password used twice, a renewal card whose
# user ID works at once and retires the old one after its first access, an expired provisional
# password (refused; a wrong password on that account answers as an unknown user ID does).
#
# Usage: portal_flows.sh TSCNS_PORTAL [sqlite|postgresql]
PORTAL=${1:?usage: portal_flows.sh TSCNS_PORTAL [sqlite|postgresql]}
BACKEND=${2:-sqlite}
source "$(dirname "$0")/lib.sh"

P_BACKEND=$BACKEND
source "$(dirname "$0")/portal_lib.sh"
DB=$P_DB
p_start portal

# --- desk registration
cf=RSSMRA85T10A562S
reg=$("$PORTAL" desk register --db "$DB" --card-number 80380000301234567890 --cf "$cf" \
  --mobile "+39 333 0000001" --given-name Mario --surname Rossi --card-expiry 2031-05-31 --json)
user=$(jq -r .userId <<<"$reg")
half1=$(jq -r .provisionalPasswordFirstHalf <<<"$reg")
half2=$(last_code provisional-password)
e2e_check "desk register: user ID is the last 10 digits ($user)" test "$user" = 1234567890
e2e_check "desk register: the paper half has 5 characters" test "${#half1}" = 5
e2e_check "desk register: the SMS half went to the mobile" test "${#half2}" = 5
e2e_check "desk register: a second account with the same CF is refused" \
  bash -c "! '$PORTAL' desk register --db '$DB' --card-number 80380000309999999999 --cf $cf --mobile 3330000002 --given-name A --surname B 2>/dev/null"

# --- CSRF
req GET /login
e2e_check "GET /login: 200 with a __Host- cookie" bash -c "test $STATUS = 200 && grep -qi '^set-cookie: __Host-tscns-portal=.*Secure; HttpOnly; SameSite=Lax' '$P_HEAD'"
e2e_check "GET /login: CSP, HSTS and no-store" bash -c "grep -qi '^content-security-policy:' '$P_HEAD' && grep -qi '^strict-transport-security:' '$P_HEAD' && grep -qi '^cache-control: no-store' '$P_HEAD'"
e2e_check "GET /login: Referrer-Policy strict-origin (form POSTs keep their Origin)" \
  grep -qi '^referrer-policy: strict-origin' "$P_HEAD"
e2e_check "GET /login: meta csrf-token" grep -q '<meta name="csrf-token"' "$P_BODY"
token=$(csrf)
post /login user_id="$user" password="$half1$half2"
e2e_check "POST /login without csrf: 403" test "$STATUS" = 403
post /login user_id="$user" password="$half1$half2" csrf=wrong
e2e_check "POST /login with a wrong csrf: 403" test "$STATUS" = 403
e2e_check "POST /login from another origin: 403" bash -c "curl -sk -o /dev/null -w '%{http_code}' -b '$P_JAR' -H 'Origin: https://evil.example' --data-urlencode csrf=$token '$BASE/login' | grep -q 403"

# --- first access: provisional password, new password, SMS code
req GET /login
post /login user_id="$user" password="$half1$half2" csrf="$(csrf)"
e2e_check "first access: provisional password -> 303 /login/new-password ($STATUS $LOCATION)" \
  test "$STATUS $LOCATION" = "303 /login/new-password"
req GET /login/new-password
post /login/new-password new_password=password new_password_confirm=password csrf="$(csrf)"
e2e_check "first access: a blocklisted password is refused" grep -q 'troppo comune' "$P_BODY"
newpw="una frase lunga e sua"
post /login/new-password new_password="$newpw" new_password_confirm="$newpw" csrf="$(csrf)"
e2e_check "first access: new password -> 303 /login/otp ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 /login/otp"
code=$(last_code otp)
e2e_check "first access: an SMS code of 6 digits was sent" grep -Eq '^[0-9]{6}$' <<<"$code"
e2e_check "first access: no notification before the first access completes" \
  test "$(sms | jq '[.[] | select(.kind == "notification")] | length')" = 0
req GET /login/otp
post /login/otp code="$code" csrf="$(csrf)"
e2e_check "first access: the code -> 303 /home ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 /home"
req GET /home
e2e_check "home: the holder's name and amr pwd + otp" bash -c "grep -q 'Mario Rossi' '$P_BODY' && grep -q 'pwd + otp' '$P_BODY'"
post /logout csrf="$(csrf)"
e2e_check "logout -> 303 /login" test "$STATUS $LOCATION" = "303 /login"
req GET /home
e2e_check "home without a session -> 303 /login" test "$STATUS $LOCATION" = "303 /login"

# --- the provisional password is single use
p_new_session
req GET /login
post /login user_id="$user" password="$half1$half2" csrf="$(csrf)"
e2e_check "the provisional password does not work twice" p_error_page

# --- a later login with an SMS code; a replayed and wrong codes
req GET /login
post /login user_id="$user" password="$newpw" csrf="$(csrf)"
e2e_check "login: password -> 303 /login/second-factor ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 /login/second-factor"
req GET /login/second-factor
post /login/otp/send csrf="$(csrf)"
e2e_check "second factor: SMS sent -> 303 /login/otp" test "$STATUS $LOCATION" = "303 /login/otp"
code2=$(last_code otp)
req GET /login/otp
for i in 1 2 3 4 5; do
  wrong=$(printf '%06d' $(((10#$code2 + i) % 1000000)))
  post /login/otp code="$wrong" csrf="$(csrf)"
done
post /login/otp code="$code2" csrf="$(csrf)"
e2e_check "five wrong codes kill the code: the right one no longer works" p_error_page
post /login/otp/send csrf="$(csrf)"
code3=$(last_code otp)
req GET /login/otp
post /login/otp code="$code3" csrf="$(csrf)"
e2e_check "a new code works -> 303 /home" test "$STATUS $LOCATION" = "303 /home"
e2e_check "after the first access, a login sends a notification" \
  test "$(sms | jq '[.[] | select(.kind == "notification")] | length')" -ge 1
# Replaying the code in a new login does not work.
p_new_session
req GET /login
post /login user_id="$user" password="$newpw" csrf="$(csrf)"
req GET /login/second-factor
post /login/otp/send csrf="$(csrf)"
req GET /login/otp
post /login/otp code="$code3" csrf="$(csrf)"
e2e_check "a used code replayed in another login is refused" p_error_page

# --- renewal: the new card's user ID works at once and retires the old card
"$PORTAL" cards add --db "$DB" --cf "$cf" --card-number 80380000307777777777 --card-expiry 2032-06-30 >/dev/null
p_new_session
req GET /login
post /login user_id=7777777777 password="$newpw" csrf="$(csrf)"
e2e_check "renewal: the new card's user ID works before its first access" test "$STATUS $LOCATION" = "303 /login/second-factor"
req GET /login/second-factor
post /login/otp/send csrf="$(csrf)"
req GET /login/otp
post /login/otp code="$(last_code otp)" csrf="$(csrf)"
e2e_check "renewal: first access with the new card" test "$STATUS $LOCATION" = "303 /home"
e2e_check "renewal: the card-replaced notification was sent" \
  bash -c "'$PORTAL' sms list --db '$DB' --json | jq -e '[.[] | select(.kind == \"notification\" and (.text | test(\"nuova tessera\")))] | length >= 1' >/dev/null"
p_new_session
req GET /login
post /login user_id="$user" password="$newpw" csrf="$(csrf)"
e2e_check "renewal: the old card's user ID no longer works" p_error_page

# --- brute force on the password: slowed down, and an unknown user ID answers alike
p_new_session
req GET /login
for i in 1 2 3 4 5 6; do post /login user_id="$user" password="wrong-$i" csrf="$(csrf)"; done
e2e_check "brute force: the 6th wrong password is slowed down (429)" test "$STATUS" = 429
post /login user_id="$user" password="$newpw" csrf="$(csrf)"
e2e_check "brute force: while slowed down even the right password waits" test "$STATUS" = 429
for i in 1 2 3 4 5 6; do post /login user_id=5550001111 password="wrong-$i" csrf="$(csrf)"; done
e2e_check "brute force: an unknown user ID is slowed down the same way" test "$STATUS" = 429

# --- an expired provisional password is refused, and the answer does not tell the user ID exists
reg2=$("$PORTAL" desk register --db "$DB" --card-number 80380000305555555555 --cf FRRNNA90E45F205L \
  --mobile "+39 333 0000005" --given-name Anna --surname Ferrari --json)
user2=$(jq -r .userId <<<"$reg2")
prov2=$(jq -r .provisionalPasswordFirstHalf <<<"$reg2")$(last_code provisional-password)
# As if registered more than 30 days ago: its provisional password expired yesterday.
past=$(($(date +%s) * 1000 - 86400000))
aged="UPDATE accounts SET provisional_expires_at = $past WHERE codice_fiscale = 'FRRNNA90E45F205L'"
if [[ $BACKEND == postgresql ]]; then
  pg_psql "$aged" >/dev/null
else
  sqlite3 -cmd '.timeout 5000' "${DB#sqlite:}" "$aged"
fi
# p_page: the last page without its per-request values (csrf, the user ID typed in the form).
p_page() { sed -E 's/(value|content)="[^"]*"/\1=""/g' "$P_BODY"; }
p_new_session
req GET /login
post /login user_id="$user2" password="$prov2" csrf="$(csrf)"
e2e_check "expired provisional password: refused, no step further ($STATUS $LOCATION)" p_error_page
e2e_check "expired provisional password: the login form again, no session for the account" \
  bash -c "grep -q 'id=\"login-form\"' '$P_BODY' && ! grep -q 'new-password-form' '$P_BODY'"
expired_page=$(p_page)
wrong2=${prov2:0:9}$([[ ${prov2:9:1} == Z ]] && echo Y || echo Z)
post /login user_id="$user2" password="$wrong2" csrf="$(csrf)"
wrong_page=$(p_page)
post /login user_id=5550002222 password="$wrong2" csrf="$(csrf)"
unknown_page=$(p_page)
e2e_check "expired account, wrong password: the generic error" \
  grep -q 'Codice utente o password non corretti' <<<"$wrong_page"
e2e_check "expired account, wrong password: the same page as an unknown user ID" \
  test "$wrong_page" = "$unknown_page"
# Only the holder of the right (expired) password is told it expired: that tells nothing to
# whoever does not know it.
e2e_check "expired account, right password: told to go back to the desk, not the generic error" \
  bash -c "grep -q 'scaduta' <<<\"\$1\" && ! grep -q 'non corretti' <<<\"\$1\"" _ "$expired_page"
req GET /login/new-password
e2e_check "expired provisional password: /login/new-password is not reachable" \
  test "$STATUS $LOCATION" = "303 /login"

# --- the per-IP limit: a second instance allowing 3 POSTs a minute per address. Its own SQLite
# file, since the limit's counter lives in the database the other instance has been filling.
P_DB=sqlite:$E2E_TMP/ip-limit.sqlite P_PORT="" p_start ip-limited --ip-limit 3
p_new_session
req GET /login
for i in 1 2 3 4; do post /login user_id=5550003333 password="guess-$i" csrf="$(csrf)"; done
e2e_check "per-IP limit: the 4th POST in a minute is refused (429, Retry-After)" \
  bash -c "test $STATUS = 429 && grep -qi '^retry-after: 60' '$P_HEAD' && grep -q 'Troppe richieste' '$P_BODY'"

e2e_summary
[[ $E2E_FAILED == 0 ]]
