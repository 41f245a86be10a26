#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `tscns info --json` and `tscns cert` on a vcard profile equal what card.json and cert.pem say.
# Usage: tscns_info.sh PROFILE
source "$(dirname "$0")/lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"
profile=${1:?profile}

card=$E2E_TMP/card
e2e_new_card "$card" --profile "$profile" --seed 77
e2e_start_pcscd
e2e_start_card "$card" 0

"$TSCNS" info --json >"$E2E_TMP/info.json"
same() { # FIELD_IN_INFO FIELD_IN_CARD_JSON
  local a b
  a=$(jq -r ".$1" "$E2E_TMP/info.json")
  b=$(jq -r ".$2" "$card/card.json")
  [[ -n $a && $a == "$b" ]] || { e2e_log "$1: tscns says '$a', card.json '$b'"; return 1; }
}
for f in cardId codiceFiscale surname givenName sex birthDate birthPlace issueDate expiryDate; do
  e2e_check "info.$f = card.json" same "$f" "$f"
done
pem_same() { diff <(jq -j .certificate.pem "$E2E_TMP/info.json") "$card/cert.pem" >/dev/null; }
e2e_check "info.certificate.pem = cert.pem" pem_same
subject_same() {
  [[ $(jq -r .certificate.subject "$E2E_TMP/info.json") == \
     "$(openssl x509 -in "$card/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" ]]
}
e2e_check "info.certificate.subject = openssl's" subject_same
bits_same() {
  [[ $(jq -r .certificate.keyBits "$E2E_TMP/info.json") == "$(jq -r .keyBits "$card/card.json")" ]]
}
e2e_check "info.certificate.keyBits = card.json keyBits" bits_same
e2e_check "info.certificate CN names this card" \
  test "$(jq -r .certificate.cardId "$E2E_TMP/info.json")" = "$(jq -r .cardId "$card/card.json")"
e2e_check "info.pin.triesLeft = 3" test "$(jq -r .pin.triesLeft "$E2E_TMP/info.json")" = 3

"$TSCNS" cert --out "$E2E_TMP/cert.pem"
e2e_check "tscns cert = cert.pem" cmp -s "$E2E_TMP/cert.pem" "$card/cert.pem"
"$TSCNS" cert --der --out "$E2E_TMP/cert.der"
e2e_check "tscns cert --der = cert.pem as DER" \
  cmp -s "$E2E_TMP/cert.der" <(openssl x509 -in "$card/cert.pem" -outform DER)
"$TSCNS" info >"$E2E_TMP/info.txt"
e2e_check "info text names the holder" \
  grep -q "$(jq -r '.givenName + " " + .surname' "$card/card.json")" "$E2E_TMP/info.txt"
e2e_summary
