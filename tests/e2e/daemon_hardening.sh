#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscnsd's socket-level guards (daemon/README.md "HTTP API"): the port is exclusive (a second
# tscnsd on it fails at start and takes no requests), percent-encoded forms of the target, Host
# and Origin are refused on the bytes received, and connections from another local user are
# closed unanswered while the owner's are served. No card is needed: status answers without one.
#
# Usage: daemon_hardening.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see daemon.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

d_start

# --- 1. the port is exclusive: no SO_REUSEPORT sharing with a second instance
second_log=$E2E_TMP/second.log
echo "{\"allowedOrigins\": [\"https://second.test.example\"]}" >"$E2E_TMP/second.json"
set +e
timeout 20 "$TSCNSD" --config "$E2E_TMP/second.json" --port "$D_PORT" \
  --pinentry "$D_PINENTRY" >"$second_log" 2>&1
second_rc=$?
set -e
e2e_check "a second tscnsd on the same port exits non-zero at start (rc $second_rc)" \
  bash -c "((second_rc = $second_rc)); ((second_rc != 0 && second_rc != 124))"
e2e_check "and says why" grep -q "cannot listen on 127.0.0.1:$D_PORT" "$second_log"
codes=""
for _ in $(seq 20); do codes+="$(d_call GET /v1/status) "; done
e2e_check "every request still reaches the first daemon: $codes" \
  test "$codes" = "$(printf '200 %.0s' $(seq 20))"

# --- 2. percent-encoding is refused on the bytes received (cpp-httplib decodes it)
d_call GET '/v1/%73tatus' --path-as-is >/dev/null
e2e_check "target /v1/%73tatus: 400 BAD_REQUEST (got $(d_said))" d_expect 400 BAD_REQUEST
d_call GET '/v1/status?x=%41' >/dev/null
e2e_check "a percent-encoded query: 400 BAD_REQUEST (got $(d_said))" d_expect 400 BAD_REQUEST
D_H_HOST="127.0.0.1%3A$D_PORT" d_call GET /v1/status >/dev/null
e2e_check "Host 127.0.0.1%3APORT: 400 BAD_REQUEST (got $(d_said))" d_expect 400 BAD_REQUEST
D_H_ORIGIN="${D_ORIGIN//./%2E}" d_call GET /v1/status >/dev/null
e2e_check "Origin with %2E for the dots: 400 BAD_REQUEST (got $(d_said))" d_expect 400 BAD_REQUEST
D_H_CLIENT=%31 d_call POST /v1/cancel '{}' >/dev/null
e2e_check "X-CNS-Client: %31: 400 BAD_REQUEST (got $(d_said))" d_expect 400 BAD_REQUEST
e2e_check "each refusal is logged" \
  test "$(grep -c 'refused a request: percent-encoded' "$E2E_TMP/tscnsd.log")" -ge 5
# Raw bytes on one kept-alive connection: a canonical request, then an encoded one.
exec 7<>"/dev/tcp/127.0.0.1/$D_PORT"
printf 'GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nOrigin: %s\r\nX-CNS-Client: 1\r\n\r\n' \
  "$D_PORT" "$D_ORIGIN" >&7
printf 'GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1%%3A%s\r\nOrigin: %s\r\nX-CNS-Client: 1\r\n\r\n' \
  "$D_PORT" "$D_ORIGIN" >&7
raw=$(timeout 10 cat <&7 || true)
exec 7<&-
two_answers() { # the first answer 200, the second 400, and nothing more
  [[ $raw == "HTTP/1.1 200 "*"HTTP/1.1 400 "* && $(grep -o 'HTTP/1.1 ' <<<"$raw" | wc -l) == 2 ]]
}
e2e_check "keep-alive: the first request 200, the second (encoded Host) 400" two_answers
d_call GET /v1/status >/dev/null
e2e_check "the canonical form is served ($(d_said))" test "$D_STATUS" = 200

# --- 3. other local users are refused, per connection, before the request is read
as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
other_call() { # other_call URL: the HTTP status another user gets (000: no answer)
  as_user curl -s -o /dev/null -w '%{http_code}' --max-time 10 --noproxy '*' -g \
    -H "Origin: $D_ORIGIN" -H 'X-CNS-Client: 1' -H 'Sec-Fetch-Site: cross-site' \
    -H 'Sec-Fetch-Mode: cors' "$1" 2>/dev/null || true
}
if [[ $(id -u) == 0 ]]; then
  e2e_check "setpriv can run curl as uid 65534" as_user curl --version
  got=$(other_call "http://127.0.0.1:$D_PORT/v1/status")
  e2e_check "uid 65534 over 127.0.0.1: no answer (got $got)" test "$got" = 000
  e2e_check "the refusal is logged with the user" \
    grep -q 'refused a loopback connection from local user 65534' "$E2E_TMP/tscnsd.log"
  if grep -q "and \[::1\]:$D_PORT" "$E2E_TMP/tscnsd.log"; then
    got=$(other_call "http://[::1]:$D_PORT/v1/status")
    e2e_check "uid 65534 over [::1]: no answer (got $got)" test "$got" = 000
  fi
  d_call GET /v1/status >/dev/null
  e2e_check "the owner (root) is still served ($(d_said))" test "$D_STATUS" = 200
else
  # Not root: no other user to become. The owner's requests are served (checked above); the
  # refusal itself is covered by the unit tests of the /proc/net/tcp lookup.
  e2e_log "not root: the other-user check needs root (CI runs as root)"
  e2e_check "the owner is served" test "$(d_call GET /v1/status)" = 200
fi
e2e_check "daemon still alive" kill -0 "$D_PID"
e2e_summary
