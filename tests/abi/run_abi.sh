#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the PKCS#11 ABI suite (tscns-abi) against a module through a real pcscd + vpcd and a
# freshly personalized tscns-vcard.
#
# Usage: run_abi.sh [--abi BIN] [--module FILE] [--seed N] [--key-bits B] PROFILE [GROUP...]
#   GROUP: init slots sessions mechanisms token objects login operations sign threads processes
#          removal, or basic / all (all = every group but removal). Default: all removal.
#   --module defaults to $TSCNS_MODULE (the staged tscns-pkcs11.so); any PKCS#11 module works,
#   e.g. --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so for comparison.
# The groups except "removal" run with the card inserted by this script; then the card is taken
# out and "removal" runs, starting and pulling the card itself.
# Environment: TSCNS_VCARD (required), TSCNS_MODULE, TSCNS_BUILD_DIR (to find tscns-abi).
source "$(dirname "$0")/../e2e/lib.sh"

abi=""
module=${TSCNS_MODULE:-}
seed=7001
bits=()
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
  --abi) abi=$2; shift 2 ;;
  --module) module=$2; shift 2 ;;
  --seed) seed=$2; shift 2 ;;
  --key-bits) bits=(--key-bits "$2"); shift 2 ;;
  *) e2e_fail "unknown option $1" ;;
  esac
done
profile=${1:?usage: run_abi.sh [options] PROFILE [GROUP...]}
shift
groups=("$@")
((${#groups[@]})) || groups=(all removal)
[[ -n $abi ]] || abi=${TSCNS_BUILD_DIR:?}/tests/abi/tscns-abi
[[ -x $abi ]] || e2e_fail "tscns-abi not found: $abi"
[[ -n $module && -f $module ]] || e2e_fail "no module: '$module' (TSCNS_MODULE or --module)"

main_groups=()
run_removal=0
for g in "${groups[@]}"; do
  if [[ $g == removal ]]; then run_removal=1; else main_groups+=("$g"); fi
done

card=$E2E_TMP/card
e2e_new_card "$card" --profile "$profile" --seed "$seed" "${bits[@]}"
export TSCNS_PIN TSCNS_PUK TSCNS_CERT TSCNS_CARD_DIR TSCNS_CARD_ID TSCNS_GIVEN_NAME TSCNS_SURNAME \
  TSCNS_DATI_PERSONALI TSCNS_READER TSCNS_VPCD_PORT TSCNS_ABI_TMP
TSCNS_PIN=$(e2e_json "$card" pin)
TSCNS_PUK=$(e2e_json "$card" puk)
TSCNS_CARD_ID=$(e2e_json "$card" cardId)
TSCNS_GIVEN_NAME=$(e2e_json "$card" givenName)
TSCNS_SURNAME=$(e2e_json "$card" surname)
TSCNS_CERT=$card/cert.pem
TSCNS_CARD_DIR=$card
TSCNS_DATI_PERSONALI=$(ls "$card"/ef/*-1100-1102)
TSCNS_READER="Virtual PCD 00 00"
TSCNS_VPCD_PORT=35963
TSCNS_ABI_TMP=$E2E_TMP
e2e_log "profile $profile ($(e2e_json "$card" keyBits) bits), module $module"

# A pcscd that runs without the vpcd readers (someone's hand-started instance with another
# reader configuration) would make e2e_start_pcscd reuse it and fail: start our own then.
vpcd_visible() { opensc-tool --list-readers 2>/dev/null | grep -q "Virtual PCD 00 00"; }
if pgrep -x pcscd >/dev/null && ! vpcd_visible; then
  sleep 2
  if pgrep -x pcscd >/dev/null && ! vpcd_visible; then
    e2e_log "a pcscd runs without the vpcd readers ($(pgrep -a pcscd | tr '\n' ';')): starting our own"
    pcscd --foreground --error >"$E2E_TMP/pcscd.log" 2>&1 &
    E2E_PCSCD_PID=$! # lib.sh's cleanup stops it
    for _ in $(seq 100); do
      vpcd_visible && break
      kill -0 "$E2E_PCSCD_PID" 2>/dev/null || e2e_fail "our pcscd exited (see pcscd.log)"
      sleep 0.1
    done
  fi
fi
e2e_start_pcscd

rc=0
if ((${#main_groups[@]})); then
  e2e_start_card "$card" 0 --apdu-log "$E2E_TMP/card0.apdu"
  pid=$E2E_LAST_CARD_PID
  e2e_log "groups: ${main_groups[*]}"
  "$abi" --module "$module" "${main_groups[@]}" || rc=$?
  e2e_stop_card "$pid" 0
  ((rc == 0)) && e2e_log "ok   groups ${main_groups[*]}" || e2e_log "FAIL groups ${main_groups[*]}: $rc failed"
fi
if ((run_removal)); then
  e2e_log "group: removal (the suite inserts and pulls the card)"
  r=0
  "$abi" --module "$module" removal || r=$?
  ((r == 0)) && e2e_log "ok   group removal" || e2e_log "FAIL group removal: $r failed"
  rc=$((rc + r))
fi
exit $((rc > 100 ? 100 : rc))
