#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two tscns-portal instances on one database: a login started on one completes on the other
# (first access with its steps on alternating instances; a later login with the password on one
# and the code on the other), the SMS code's five tries are counted across both, and so is the
# password throttle. On a throwaway PostgreSQL, or on one SQLite file (WAL) shared by both.
#
# Usage: portal_multi.sh TSCNS_PORTAL [postgresql|sqlite]
PORTAL=${1:?usage: portal_multi.sh TSCNS_PORTAL [postgresql|sqlite]}
BACKEND=${2:-postgresql}
source "$(dirname "$0")/lib.sh"

P_BACKEND=$BACKEND
source "$(dirname "$0")/portal_lib.sh"

# Both instances; the cookie jar is shared (cookies are per host, not per port), so switching
# BASE is a browser whose requests reach one instance or the other through a load balancer.
P_PORT=""
p_start portal-a
A=$BASE
P_PORT=""
p_start portal-b
B=$BASE
e2e_check "two instances on one $BACKEND database ($A, $B)" test "$A" != "$B"
on() { BASE=$1; }

p_register RSSMRA85T10A562S 80380000301234567890
user=$P_USER
newpw="una frase lunga e sua"

# --- first access: password on A, new password on B, code on A
on "$A"
p_password "$user" "$P_HALF1$P_HALF2"
e2e_check "A: provisional password -> 303 /login/new-password" test "$STATUS $LOCATION" = "303 /login/new-password"
on "$B"
req GET /login/new-password
post /login/new-password new_password="$newpw" new_password_confirm="$newpw" csrf="$(csrf)"
e2e_check "B: the new password of the login started on A -> 303 /login/otp" test "$STATUS $LOCATION" = "303 /login/otp"
on "$A"
req GET /login/otp
post /login/otp code="$(last_code otp)" csrf="$(csrf)"
e2e_check "A: the code sent by B -> 303 /home" test "$STATUS $LOCATION" = "303 /home"
on "$B"
req GET /home
e2e_check "B: the session made on A is logged in" bash -c "test $STATUS = 200 && grep -q 'Mario Rossi' '$P_BODY'"

# --- a later login: password on B, code on A
on "$B"
p_password "$user" "$newpw"
e2e_check "B: password -> 303 /login/second-factor" test "$STATUS $LOCATION" = "303 /login/second-factor"
req GET /login/second-factor
on "$A"
post /login/otp/send csrf="$(csrf)"
e2e_check "A: send the code of the login started on B -> 303 /login/otp" test "$STATUS $LOCATION" = "303 /login/otp"
req GET /login/otp
post /login/otp code="$(last_code otp)" csrf="$(csrf)"
e2e_check "A: the code -> 303 /home" test "$STATUS $LOCATION" = "303 /home"

# --- the code's five tries are counted across both instances
on "$A"
p_password "$user" "$newpw"
req GET /login/second-factor
post /login/otp/send csrf="$(csrf)"
code=$(last_code otp)
req GET /login/otp
for i in 1 2 3 4 5; do
  if ((i % 2)); then on "$A"; else on "$B"; fi
  post /login/otp code="$(printf '%06d' $(((10#$code + i) % 1000000)))" csrf="$(csrf)"
done
e2e_check "the 5th wrong code (3 on A, 2 on B) is still a plain wrong code" grep -q 'non corretto' "$P_BODY"
on "$B"
post /login/otp code="$code" csrf="$(csrf)"
e2e_check "B: after 5 wrong codes on A and B the right one no longer works" \
  bash -c "test $STATUS = 200 && grep -q 'non e.*piu.* valido' '$P_BODY'"
post /login/otp/send csrf="$(csrf)"
req GET /login/otp
on "$A"
post /login/otp code="$(last_code otp)" csrf="$(csrf)"
e2e_check "A: a new code (sent by B) works -> 303 /home" test "$STATUS $LOCATION" = "303 /home"

# --- the password throttle is counted across both instances
p_new_session
on "$A"
req GET /login
for i in 1 2 3 4 5; do
  if ((i % 2)); then on "$A"; else on "$B"; fi
  post /login user_id="$user" password="wrong-$i" csrf="$(csrf)"
done
e2e_check "5 wrong passwords on A and B: still the plain error" p_error_page
on "$B"
post /login user_id="$user" password="wrong-6" csrf="$(csrf)"
e2e_check "B: the 6th wrong password (5 before, on both) is slowed down (429)" test "$STATUS" = 429
on "$A"
post /login user_id="$user" password="$newpw" csrf="$(csrf)"
e2e_check "A: slowed down too, even for the right password (429)" test "$STATUS" = 429

# --- both instances writing at once (each GET /login makes a session)
pids=()
for i in $(seq 24); do
  if ((i % 2)); then url=$A; else url=$B; fi
  curl -sk --noproxy '*' -m 30 -o /dev/null -w '%{http_code}\n' "$url/login" >>"$E2E_TMP/parallel.txt" &
  pids+=($!)
done
wait "${pids[@]}" || true # only the curls: the portals run in the background too
e2e_check "24 parallel new sessions on A and B: all 200" \
  test "$(grep -c '^200$' "$E2E_TMP/parallel.txt")" = 24

e2e_check "no instance logged an internal error" \
  bash -c "! grep -h 'internal error' '$E2E_TMP/portal-a.log' '$E2E_TMP/portal-b.log'"

e2e_summary
[[ $E2E_FAILED == 0 ]]
