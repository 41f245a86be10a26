#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: installs what is missing, builds, creates a virtual TS-CNS card, inserts it into pcscd
# through vpcd (starting pcscd when none runs), shows what a user sees with `tscns` and with
# OpenSC's tools, and stops everything it started. Usage: scripts/demo.sh [--profile NAME] [--seed N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=st-cns11
seed=1
while (($#)); do
  case $1 in
    --profile) profile=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"

export TSCNS_VCARD=$root/build/vcard/tscns-vcard
source "$root/tests/e2e/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
card=$E2E_TMP/card
say "tscns-vcard new $card --profile $profile --seed $seed"
"$TSCNS_VCARD" new "$card" --profile "$profile" --seed "$seed"
pin=$(e2e_json "$card" pin)

e2e_start_pcscd
e2e_start_card "$card" 0 --apdu-log "$E2E_TMP/apdu.log"

tscns=$root/build/tool/tscns
say "tscns readers"
"$tscns" readers
say "tscns info"
"$tscns" info
ours=$root/build/pkcs11/tscns-pkcs11.so
say "pkcs11-tool --module $ours --list-token-slots (our PKCS#11 module)"
pkcs11-tool --module "$ours" --list-token-slots
say "pkcs11-tool --module $ours --login --list-objects"
pkcs11-tool --module "$ours" --login --pin "$pin" --list-objects
say "opensc-tool --list-readers"
opensc-tool --list-readers
say "opensc-tool --reader 0 --atr --name"
opensc-tool --reader 0 --atr --name
say "pkcs15-tool --dump"
pkcs15-tool --reader 0 --dump
module=$(e2e_opensc_module)
say "pkcs11-tool --module $module --list-token-slots"
pkcs11-tool --module "$module" --list-token-slots
say "pkcs11-tool --module $module --login --list-objects (PIN $pin from card.json)"
pkcs11-tool --module "$module" --login --pin "$pin" --list-objects
say "$(wc -l <"$E2E_TMP/apdu.log") lines in the card's APDU log; the first ones:"
head -n 12 "$E2E_TMP/apdu.log"
say "done: stopping the card and what the demo started"
