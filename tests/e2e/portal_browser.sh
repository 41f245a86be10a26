#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal in a real browser: Debian's headless Chromium, driven by tests/browser/portal.mjs
# (playwright-core), against `tscns-portal serve` over HTTPS on SQLite, with tscnsd, the three
# virtual cards of portal_card_lib.sh through pcscd and vpcd, and the scripted pinentry. The same
# flows as portal_flows.sh and portal_card.sh, through the pages and card-login.js: first access
# (user ID, paper half + SMS half, new password, SMS code), SMS-code login, wrong codes until the
# code dies, card login, another person's card, renewal. The driver asks this script for SMS
# codes from the outbox, card swaps and the renewal (a line protocol on its stdin/stdout, see
# portal.mjs). Screenshots of every page: $TSCNS_BUILD_DIR/portal-browser-screenshots/.
#
# Usage: portal_browser.sh TSCNS_PORTAL TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see
# portal_browser.cmake).
PORTAL=${1:?usage: portal_browser.sh TSCNS_PORTAL TSCNSD TSCNS_TEST_PINENTRY}
TSCNSD=${2:?}
TSCNS_TEST_PINENTRY=${3:?}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/portal_lib.sh"
source "$(dirname "$0")/portal_card_lib.sh"
source "$(dirname "$0")/browser_lib.sh"
b_setup

shots=${TSCNS_BUILD_DIR:-$E2E_TMP}/portal-browser-screenshots
rm -rf "$shots"
mkdir -p "$shots"

pc_new_cards 71
pc_start
cf=$(e2e_json "$PC_CARD" codiceFiscale)
other_cf=$(e2e_json "$PC_OTHER" codiceFiscale)
P_GIVEN=$(e2e_json "$PC_CARD" givenName) P_SURNAME=$(e2e_json "$PC_CARD" surname)
p_register "$cf" 80380000401111122222 --card-expiry "$(e2e_json "$PC_CARD" expiryDate)"
e2e_check "desk: the SMS half of the provisional password is in the outbox" test "${#P_HALF2}" = 5
new_user=""

# pb_answer REQUEST: answers one NEED line of the driver (portal.mjs) on fd 3.
pb_answer() {
  local answer
  case $1 in
    "code "*) answer=$(last_code "${1#code }") ;;
    "card holder") pc_insert "$PC_CARD" && answer=ok ;;
    "card other") pc_insert "$PC_OTHER" && answer=ok ;;
    "card renewal") pc_insert "$PC_RENEWAL" && answer=ok ;;
    renewal)
      new_user=$("$PORTAL" cards add --db "$P_DB" --cf "$cf" --card-number 80380000403333344444 \
        --card-expiry "$(e2e_json "$PC_RENEWAL" expiryDate)" --json | jq -r .userId) \
        || e2e_fail "cards add (the renewal card)"
      pc_insert "$PC_RENEWAL"
      answer=$new_user
      ;;
    pinentry-count) answer=$(d_pinentry_count) ;;
    *) answer="error: unknown request" ;;
  esac
  e2e_log "driver asked for $1: ${answer:-(nothing)}"
  printf '%s\n' "${answer:-error: nothing}" >&3
}

# The driver's stdin and stdout are FIFOs: this shell reads its lines and answers its requests.
mkfifo "$E2E_TMP/to-driver" "$E2E_TMP/from-driver"
timeout 180 node "$B_WORK/portal.mjs" --url "$BASE" --user "$P_USER" --paper-half "$P_HALF1" \
  --name "$P_GIVEN $P_SURNAME" --password "la tessera nel lettore" \
  --user-data-dir "$E2E_TMP/chromium-profile" --screenshots "$shots" --chromium "$CHROMIUM" \
  <"$E2E_TMP/to-driver" >"$E2E_TMP/from-driver" 2>"$E2E_TMP/browser.log" &
driver_pid=$!
e2e_at_exit "e2e_stop_pid $driver_pid"
exec 3>"$E2E_TMP/to-driver" 4<"$E2E_TMP/from-driver"
started=$(e2e_ms)
browser_failed=0
while IFS= read -r -t 150 line <&4; do
  printf '%s\n' "$line" >>"$E2E_TMP/browser.out"
  case $line in
    "ok   "*) e2e_check "browser: ${line#ok   }" true ;;
    "FAIL "*)
      browser_failed=$((browser_failed + 1))
      E2E_FAILED=$((E2E_FAILED + 1))
      e2e_log "FAIL browser: ${line#FAIL }"
      ;;
    "NEED "*) pb_answer "${line#NEED }" ;;
    *) e2e_log "browser: $line" ;;
  esac
done
exec 3>&- 4<&-
set +e
wait "$driver_pid"
rc=$?
set -e
e2e_log "the browser run took $(($(e2e_ms) - started)) ms"
if ((browser_failed > 0 || rc != 0)); then
  e2e_log "browser log (last 40 lines):"
  tail -n 40 "$E2E_TMP/browser.log" >&2
fi
e2e_check "browser driver exit 0 (got $rc)" test "$rc" = 0
e2e_check "browser driver ran its checks" grep -Eq '^[1-9][0-9]* passed, 0 failed$' "$E2E_TMP/browser.out"

# What the browser cannot see.
proofs=$(grep -c '^NEED pinentry-count$' "$E2E_TMP/browser.out" || true)
e2e_check "the driver made five card proofs ($proofs)" test "$proofs" = 5
e2e_check "one pinentry per card proof ($(d_pinentry_count) in all)" test "$(d_pinentry_count)" = "$proofs"
e2e_check "every dialog showed the portal's origin" \
  test "$(grep -c "127.0.0.1:$P_PORT" "$D_PINENTRY_REC" || true)" -ge 5
e2e_check "Chromium preflighted tscnsd (OPTIONS answered 204)" grep -Fq "OPTIONS /v1/authenticate -> 204" "$E2E_TMP/tscnsd.log"
e2e_check "renewal: the card-replaced notification was sent" \
  jqe '[.[] | select(.kind == "notification" and (.text | test("nuova tessera")))] | length >= 1' <(sms)
e2e_check "renewal: the new card's user ID" test "$new_user" = 3333344444
p_sql "SELECT event, subject, detail FROM audit_log ORDER BY at" >"$E2E_TMP/audit.txt"
e2e_check "audit: another person's card refused as an identity mismatch" grep -q '^card-failed|.*IDENTITY_MISMATCH' "$E2E_TMP/audit.txt"
e2e_check "audit: the replaced card refused as replaced" grep -q '^card-failed|.*replaced by a newer one' "$E2E_TMP/audit.txt"
e2e_check "audit: five wrong codes and the dead one" \
  test "$(grep -c '^otp-failed|' "$E2E_TMP/audit.txt")" = 6
e2e_check "no full codice fiscale in the portal's log or the audit log" \
  bash -c "! grep -q -e '$cf' -e '$other_cf' '$E2E_TMP/portal.log' '$E2E_TMP/audit.txt'"
e2e_check "screenshots of every page ($(find "$shots" -name '*.png' | wc -l))" \
  test "$(find "$shots" -name '*.png' -size +1k | wc -l)" -ge 12
e2e_log "screenshots: $shots"
e2e_summary
[[ $E2E_FAILED == 0 ]]
