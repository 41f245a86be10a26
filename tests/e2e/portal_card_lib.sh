#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The card step of tscns-portal, end to end: three virtual cards (a holder's card, the renewal
# card of the same holder from the same CA, and another person's card), their CRLs, pcscd + vpcd,
# tscnsd with a scripted pinentry allowing the portal's origin, and the portal trusting both CAs.
# Source it after lib.sh, daemon_lib.sh and portal_lib.sh (used by portal_card.sh, the browser
# test, the demo and bench/portal).

PC_PIN=${PC_PIN:-13572468}   # the PIN of all three cards
PC_CARD=$E2E_TMP/card-a      # the holder's card
PC_RENEWAL=$E2E_TMP/card-a2  # the holder's renewal card (same CF, same CA, another card ID)
PC_OTHER=$E2E_TMP/card-b     # another person's card
PC_CARD_PID=""               # the vcard in reader 0
PC_TSCNSD_ARGS=()            # more tscnsd options for pc_start

# pc_new_cards [SEED]: personalizes the three cards and a CRL of each CA (none revoked).
pc_new_cards() {
  local seed=${1:-61}
  e2e_new_card "$PC_CARD" --seed "$seed" --pin "$PC_PIN"
  e2e_new_card "$PC_RENEWAL" --seed $((seed + 1)) --holder-seed "$seed" --pin "$PC_PIN"
  e2e_new_card "$PC_OTHER" --seed $((seed + 2)) --pin "$PC_PIN"
  d_make_crl "$PC_CARD" "$E2E_TMP/card-a.crl" || e2e_fail "openssl ca -gencrl (card-a)"
  d_make_crl "$PC_OTHER" "$E2E_TMP/card-b.crl" || e2e_fail "openssl ca -gencrl (card-b)"
}

# pc_insert DIR: puts card DIR into reader 0 (pulling the one there) and waits until tscnsd
# sees it (when tscnsd runs).
pc_insert() {
  if [[ -n $PC_CARD_PID ]]; then
    e2e_stop_card "$PC_CARD_PID" 0
    [[ -n $D_PID ]] && { d_wait_card_present false || e2e_fail "tscnsd still sees the pulled card"; }
  fi
  e2e_start_card "$1" 0
  PC_CARD_PID=$E2E_LAST_CARD_PID
  [[ -z $D_PID ]] || d_wait_card_present true || e2e_fail "tscnsd does not see the card $1"
}

# pc_start [serve options...]: pcscd, the holder's card in reader 0, tscnsd allowing the
# portal's origin, and the portal with both CAs and CRLs (card login on), on P_PORT when set.
# Sets BASE, D_PORT.
pc_start() {
  e2e_start_pcscd
  P_PORT=${P_PORT:-$(e2e_free_port 28200 28899)}
  D_ORIGIN=https://127.0.0.1:$P_PORT
  pc_insert "$PC_CARD"
  d_start --rate-limit 0 "${PC_TSCNSD_ARGS[@]}"
  d_wait_card_present true || e2e_fail "tscnsd does not see the card"
  d_pinentry --pin "$PC_PIN"
  p_start portal --cns-ca "$PC_CARD/ca.pem" --cns-ca "$PC_OTHER/ca.pem" \
    --crl "$E2E_TMP/card-a.crl" --crl "$E2E_TMP/card-b.crl" --tscnsd-port "$D_PORT" "$@"
}

# pc_challenge: on the second-factor page, POST /login/card/challenge as card-login.js does;
# sets PC_CHALLENGE, PC_CONTEXT (empty when refused).
pc_challenge() {
  req GET /login/second-factor
  PC_CSRF=$(meta_csrf)
  post_json /login/card/challenge "$PC_CSRF" '{}'
  PC_CHALLENGE=$(jq -r '.challenge // empty' "$P_BODY" 2>/dev/null || true)
  PC_CONTEXT=$(jq -r '.context // empty' "$P_BODY" 2>/dev/null || true)
}

# pc_token [ORIGIN]: asks tscnsd for a cns-auth:1 token for the last challenge, from ORIGIN
# (default: the portal's, as the page's fetch would); sets PC_TOKEN ("" when refused).
pc_token() {
  D_H_ORIGIN=${1:-$D_ORIGIN} d_call POST /v1/authenticate "$(d_auth_body "$PC_CHALLENGE" "$PC_CONTEXT")" >/dev/null
  PC_TOKEN=$(jq -r '.token // empty' "$D_BODY" 2>/dev/null || true)
}

# pc_verify TOKEN: POST /login/card/verify {token} with the page's X-CSRF-Token; the answer
# (JSON {redirect} or {error}) is in P_BODY.
pc_verify() { post_json /login/card/verify "$PC_CSRF" "$(jq -cn --arg t "$1" '{token: $t}')"; }
# pc_redirect / pc_error_code: what the last pc_verify answered.
pc_redirect() { jq -r '.redirect // empty' "$P_BODY" 2>/dev/null || true; }
pc_error_code() { jq -r '.error.code // empty' "$P_BODY" 2>/dev/null || true; }

# pc_card_login USER PASSWORD: password, then the card in the reader; true when verified
# (redirect to /home).
pc_card_login() {
  PC_TOKEN=""
  p_password "$1" "$2"
  [[ "$STATUS $LOCATION" == "303 /login/second-factor" ]] || return 1
  pc_challenge
  [[ -n $PC_CHALLENGE ]] || return 1
  pc_token
  [[ -n $PC_TOKEN ]] || return 1
  pc_verify "$PC_TOKEN"
  [[ $(pc_redirect) == /home ]]
}
