#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: the regional portal's login with the TS-CNS card, on virtual cards. Installs what is
# missing, builds, personalizes a virtual card (and the same person's renewal card), inserts it
# into pcscd through vpcd (starting pcscd when none runs), starts tscnsd (with a test pinentry
# that confirms and enters the card's PIN by itself) and tscns-portal, registers the holder at
# the "desk", and prints the URL, the user ID and the provisional password to try in a browser.
# New SMS messages (the portal's outbox) are printed as they are sent. Ctrl-C stops everything
# the demo started.
#
# Usage: scripts/demo.sh [--port N] [--no-install] [--no-build] [--build-dir DIR] [--smoke] [--tools]
#   --port N       the portal's port (default 8443, or a free one when 8443 is taken)
#   --no-install   do not run scripts/install-deps.sh
#   --no-build     do not run scripts/build.sh (the build directory is up to date)
#   --build-dir D  use (and build) D instead of ./build
#   --smoke        instead of waiting for a browser, log in once with curl (first access with
#                  the SMS code, then password + card) and stop: the demo's own check
#   --tools        first show the card with `tscns` and OpenSC's tools, as the old demo did
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
port=""
install=1
build_it=1
smoke=0
tools=0
while (($#)); do
  case $1 in
    --port) port=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --no-build) build_it=0; shift ;;
    --build-dir) build=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --tools) tools=1; shift ;;
    -h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

((install)) && "$root/scripts/install-deps.sh"
((build_it)) && "$root/scripts/build.sh" "$build"

export TSCNS_VCARD=$build/vcard/tscns-vcard
export TSCNS=$build/tool/tscns
TSCNSD=$build/daemon/tscnsd
TSCNS_TEST_PINENTRY=$build/daemon/test-pinentry/tscns-test-pinentry
PORTAL=$build/portal/tscns-portal
source "$root/tests/e2e/lib.sh"
source "$root/tests/e2e/daemon_lib.sh"
source "$root/tests/e2e/portal_lib.sh"
source "$root/tests/e2e/portal_card_lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "virtual cards: the holder's, the same person's renewal card, another person's"
pc_new_cards "$((RANDOM % 1000 + 100))"
cf=$(e2e_json "$PC_CARD" codiceFiscale)
given=$(e2e_json "$PC_CARD" givenName)
surname=$(e2e_json "$PC_CARD" surname)
echo "holder: $given $surname, codice fiscale $cf, card ID $(e2e_json "$PC_CARD" cardId), PIN $PC_PIN"

if [[ -z $port ]]; then
  port=8443
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && port=$(e2e_free_port 28200 28899)
fi
P_PORT=$port
pc_start

if ((tools)); then
  say "tscns info (the card in the reader)"
  "$TSCNS" info
  say "pkcs11-tool --module $build/pkcs11/tscns-pkcs11.so --list-objects"
  pkcs11-tool --module "$build/pkcs11/tscns-pkcs11.so" --list-objects
  say "OpenSC: pkcs15-tool --dump"
  pkcs15-tool --reader 0 --dump || true
fi

say "desk registration (tscns-portal desk register)"
P_MOBILE="+39 333 1234567"
p_register_holder "$PC_CARD" "8038000030$(e2e_json "$PC_CARD" cardId | tail -c 11)"

if ((smoke)); then
  say "smoke: first access with the SMS code, then password + card, with curl"
  pw="una frase lunga per la demo"
  p_first_access "$P_USER" "$P_HALF1$P_HALF2" "$pw" || e2e_fail "first access"
  echo "first access: ok (pwd + otp)"
  pc_card_login "$P_USER" "$pw" || e2e_fail "password + card: $(cat "$P_BODY")"
  req GET /home
  grep -q 'pwd + card' "$P_BODY" || e2e_fail "/home does not say pwd + card"
  echo "password + card: ok ($given $surname on /home)"
  say "done: stopping what the demo started"
  exit 0
fi

cat <<EOF

$(printf '\033[1m')Open $BASE/login in a browser$(printf '\033[0m') (accept the self-signed certificate).

  User ID:                 $P_USER
  Provisional password:    $P_HALF1 (the paper form) followed by $P_HALF2 (the SMS below)
  Then:                    choose a new password (at least 8 characters), enter the SMS code.
  Next logins:             user ID + your password, then the SMS code or "Accedi con la tessera":
                           tscnsd (port $D_PORT) asks the card; the test pinentry enters PIN $PC_PIN.

  Renewal: a new card of the same person, then log in with it (the old card stops working):
    $PORTAL cards add --db $P_DB --cf $cf --card-number 80380000309999999999 --card-expiry $(e2e_json "$PC_RENEWAL" expiryDate)
    and put it in the reader: press Enter here to switch the reader to the renewal card.
  Another person's card: type "other" and Enter (refused: its codice fiscale is not the account's).

SMS messages the portal sends appear below. Ctrl-C stops the demo.
EOF

seen=0
stdin=1
show_sms() {
  local all n
  all=$(sms)
  n=$(jq length <<<"$all")
  ((n > seen)) || return 0
  jq -r --argjson from "$seen" '.[$from:][] | "SMS to \(.to) (\(.kind)): \(.text)"' <<<"$all"
  seen=$n
}
trap 'echo; exit 0' INT TERM
while :; do
  show_sms
  if ((stdin == 0)); then
    sleep 1
    continue
  fi
  rc=0
  read -r -t 1 line || rc=$?
  if ((rc == 0)); then
    case $line in
      other) pc_insert "$PC_OTHER"; echo "reader: another person's card" ;;
      old) pc_insert "$PC_CARD"; echo "reader: the holder's first card" ;;
      *) pc_insert "$PC_RENEWAL"; echo "reader: the renewal card (type \"old\" for the first one)" ;;
    esac
  elif ((rc <= 128)); then
    stdin=0 # no terminal (end of input): keep serving, Ctrl-C or SIGTERM stops
  fi
done
