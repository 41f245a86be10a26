#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Browser test (cns-auth.md §1, §5.1): Debian's headless Chromium, driven by playwright-core from
# tests/browser (installed with `npm ci` from its package-lock.json into the build tree; no browser
# is downloaded), opens a portal page served over https on 127.0.0.1 by tests/browser/server.mjs.
# The page uses daemon/web/cns-auth.js to get a token from tscnsd (vcard through pcscd and vpcd,
# scripted pinentry) and posts it to the portal, which runs `tscns verify` with the session's
# challenge, origin and context; the page shows the verified holder, and the test asserts the
# codice fiscale and card ID. Also: replay refused, a new challenge per page load, and a page of
# an origin the daemon does not allow gets nothing (and starts no dialog).
#
# Usage: daemon_browser.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see daemon.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"
source "$(dirname "$0")/browser_lib.sh"
src=$B_SRC
b_setup
work=$B_WORK

a=$E2E_TMP/a
pin=24680135
e2e_new_card "$a" --profile st-cns11 --seed 51 --pin "$pin"
cf=$(e2e_json "$a" codiceFiscale)
card_id=$(e2e_json "$a" cardId)
d_make_crl "$a" "$E2E_TMP/a.crl" || e2e_fail "openssl ca -gencrl"
e2e_start_pcscd
e2e_start_card "$a" 0

# The portal's origin is what the daemon allows.
portal_port=$(d_free_port)
D_ORIGIN=https://127.0.0.1:$portal_port
d_start --rate-limit 0
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
d_pinentry --pin "$pin"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$E2E_TMP/portal-key.pem" \
  -out "$E2E_TMP/portal.pem" >>"$E2E_TMP/openssl.log" 2>&1 || e2e_fail "portal certificate"
node "$work/server.mjs" --port "$portal_port" --cert "$E2E_TMP/portal.pem" --key "$E2E_TMP/portal-key.pem" \
  --cns-auth-js "$src/daemon/web/cns-auth.js" --tscns "$TSCNS" --ca "$a/ca.pem" --crl "$E2E_TMP/a.crl" \
  --expect-cf "$cf" --daemon-port "$D_PORT" >"$E2E_TMP/portal.out" 2>"$E2E_TMP/portal.log" &
portal_pid=$!
e2e_at_exit "e2e_stop_pid $portal_pid"
for _ in $(seq 100); do
  grep -q '^listening' "$E2E_TMP/portal.out" && break
  kill -0 "$portal_pid" 2>/dev/null || e2e_fail "the test portal exited (portal.log)"
  sleep 0.1
done
grep -q '^listening' "$E2E_TMP/portal.out" || e2e_fail "the test portal does not listen"

set +e
timeout 180 node "$work/run.mjs" --url "https://127.0.0.1:$portal_port/" \
  --foreign-url "https://localhost:$portal_port/" --expect-cf "$cf" --expect-card-id "$card_id" \
  --user-data-dir "$E2E_TMP/chromium-profile" --chromium "$CHROMIUM" \
  --screenshot "$work/screenshot.png" >"$E2E_TMP/browser.out" 2>"$E2E_TMP/browser.log"
rc=$?
set -e
while IFS= read -r line; do
  case $line in
    "ok   "*) e2e_check "browser: ${line#ok   }" true ;;
    "FAIL "*) e2e_log "browser log:"; tail -n 30 "$E2E_TMP/browser.log" >&2; e2e_check "browser: ${line#FAIL }" false ;;
  esac
done <"$E2E_TMP/browser.out"
e2e_check "browser driver exit 0 (got $rc)" test "$rc" = 0
e2e_check "browser driver ran its checks" grep -Eq '^[1-9][0-9]* passed, 0 failed$' "$E2E_TMP/browser.out"
e2e_check "one dialog in all (none for the foreign page)" test "$(d_pinentry_count)" = 1
e2e_check "the dialog showed the page's origin" grep -Fq "127.0.0.1:$portal_port" "$D_PINENTRY_REC"
e2e_check "Chromium preflighted the POST (OPTIONS answered 204)" grep -Fq "OPTIONS /v1/authenticate -> 204" "$E2E_TMP/tscnsd.log"
e2e_check "tscnsd issued the token to the page's origin" grep -Fq "authenticate for $D_ORIGIN: token issued" "$E2E_TMP/tscnsd.log"
e2e_check "tscnsd refused the foreign page's origin" grep -Fq "from origin https://localhost:$portal_port" "$E2E_TMP/tscnsd.log"
e2e_log "screenshot: $work/screenshot.png"
e2e_summary
