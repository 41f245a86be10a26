#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One cell of the card-variety matrix (docs/card-layouts.md): a virtual card of PROFILE made with
# the given `tscns-vcard new` quirk options, read end to end through pcscd and vpcd:
#   1. `tscns info --json`: card ID, layout family, the card-ID checks, holder, certificate;
#   2. the module: pkcs11-tool -O, the certificate byte-identical to the personalised one, the
#      token serial = card ID;
#   3. login + signature through the module, verified by openssl with the certificate's key;
#   4. tscnsd authenticate -> token -> `tscns verify` (chain, CRL, codice fiscale, card ID);
#   5. OPENSC=yes: OpenSC's module must list the same certificate, card ID and serial (the
#      oracle); OPENSC=no (cards OpenSC 0.23 cannot read): an NSS TLS 1.3 handshake instead.
# Usage: card_matrix.sh PROFILE FAMILY OPENSC(yes|no) [tscns-vcard new options...]
# Environment: TSCNS_VCARD, TSCNS, TSCNS_MODULE, TSCNSD, TSCNS_TEST_PINENTRY.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p11_lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"
profile=${1:?profile}
family=${2:?family}
opensc=${3:?yes or no}
shift 3
P11_NEW_ARGS="$*"
P11_SEED=4711
e2e_log "profile $profile ($family), quirks: ${P11_NEW_ARGS:-none}, OpenSC oracle: $opensc"

p11_setup "$profile" tscns
cf=$(e2e_json "$CARD" codiceFiscale)
openssl x509 -in "$CARD/cert.pem" -outform DER >"$E2E_TMP/personalised.der"

# luhn DIGITS16: true when digit 16 is the Luhn check digit of digits 1-15.
luhn() {
  local d=$1 sum=0 i n dbl=1
  for ((i = 14; i >= 0; i--)); do
    n=${d:i:1}
    if ((dbl)); then n=$((n * 2)); ((n > 9)) && n=$((n - 9)); fi
    sum=$((sum + n))
    dbl=$((1 - dbl))
  done
  [[ $(((10 - sum % 10) % 10)) == "${d:15:1}" ]]
}
luhn "$CARD_ID" && want_luhn=true || want_luhn=false

# ---- 1. tscns info --json
"$TSCNS" info --json >"$E2E_TMP/info.json" 2>"$E2E_TMP/info.err" \
  || { cat "$E2E_TMP/info.err" >&2; e2e_fail "tscns info --json failed"; }
info() { jq -r "$1" "$E2E_TMP/info.json"; }
e2e_check "info: card ID $CARD_ID" test "$(info .cardId)" = "$CARD_ID"
e2e_check "info: layout family $family" test "$(info .profile.family)" = "$family"
e2e_check "info: cardIdChecks.luhn = $want_luhn" test "$(info .cardIdChecks.luhn)" = "$want_luhn"
e2e_check "info: surname from EF_DatiPersonali" test "$(info .surname)" = "$(e2e_json "$CARD" surname)"
e2e_check "info: codice fiscale" test "$(info .codiceFiscale)" = "$cf"
if [[ " $P11_NEW_ARGS " == *" --atr "* ]]; then
  e2e_check "info: an ATR no table knows (knownAtr null)" test "$(info .profile.knownAtr)" = null
  e2e_check "info: says 'unknown ATR'" bash -c "'$TSCNS' info | grep -q 'unknown ATR'"
fi
pem_same() { diff <(jq -j .certificate.pem "$E2E_TMP/info.json") "$CARD/cert.pem" >/dev/null; }
e2e_check "info: the personalised certificate" pem_same
"$TSCNS" cert --out "$E2E_TMP/tool-cert.pem" 2>"$E2E_TMP/cert.err" || { cat "$E2E_TMP/cert.err" >&2; false; }
e2e_check "tscns cert = the personalised certificate" cmp -s "$E2E_TMP/tool-cert.pem" "$CARD/cert.pem"

# ---- 2. the module: -O and the certificate object
m=(pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL")
"${m[@]}" -O >"$E2E_TMP/objects.txt" 2>&1 || { cat "$E2E_TMP/objects.txt" >&2; e2e_fail "pkcs11-tool -O"; }
e2e_check "module -O: the certificate and its public key" \
  bash -c "grep -q '^Certificate Object' '$E2E_TMP/objects.txt' && grep -q '^Public Key Object' '$E2E_TMP/objects.txt'"
"${m[@]}" --read-object --type cert --id "$KEY_ID" --output-file "$E2E_TMP/module.der" >/dev/null 2>&1 || true
e2e_check "module: certificate DER byte-identical to the personalised one" \
  cmp -s "$E2E_TMP/module.der" "$E2E_TMP/personalised.der"
e2e_check "module: token serial = card ID" test "$(p11_field "$E2E_TMP/slots.txt" "serial num")" = "$CARD_ID"

# ---- 3. login + signature, verified by openssl
head -c 100 /dev/urandom >"$E2E_TMP/data.bin"
signed() {
  "${m[@]}" --login --pin "$PIN" --sign --mechanism SHA256-RSA-PKCS --id "$KEY_ID" \
    --input-file "$E2E_TMP/data.bin" --output-file "$E2E_TMP/data.sig" >"$E2E_TMP/sign.txt" 2>&1 \
    || { cat "$E2E_TMP/sign.txt" >&2; return 1; }
  openssl dgst -sha256 -verify "$PUB_PEM" -signature "$E2E_TMP/data.sig" "$E2E_TMP/data.bin" >/dev/null
}
e2e_check "module: login + SHA256-RSA-PKCS signature verified by openssl" signed

# ---- 4. tscnsd authenticate -> verifier
d_make_crl "$CARD" "$E2E_TMP/card.crl" || e2e_fail "openssl ca -gencrl"
d_start --rate-limit 0 --ui-timeout 10
d_pinentry --pin "$PIN"
challenge=$(d_challenge)
d_call POST /v1/authenticate "$(d_auth_body "$challenge" fse-login-2fa "$CARD_ID")" >/dev/null
e2e_check "tscnsd authenticate: 200 ($(d_said))" test "$D_STATUS" = 200
jq .token "$D_BODY" >"$E2E_TMP/token.json"
weak=()
((KEY_BITS < 2048)) && weak=(--rsa1024-ca "$CARD/ca.pem") # RSA-1024 cards: accepted, flagged
verified() {
  "$TSCNS" verify "${weak[@]}" --token "$E2E_TMP/token.json" --origin "$D_ORIGIN" --challenge "$challenge" \
    --context fse-login-2fa --ca "$CARD/ca.pem" --crl "$E2E_TMP/card.crl" --expect-cf "$cf" --json \
    >"$E2E_TMP/verify.json" 2>"$E2E_TMP/verify.err" || { cat "$E2E_TMP/verify.err" >&2; return 1; }
  jq -e --arg id "$CARD_ID" --arg cf "$cf" '.verified and .cardId == $id and .codiceFiscale == $cf' \
    "$E2E_TMP/verify.json" >/dev/null
}
e2e_check "tscns verify accepts the daemon's token (card ID, codice fiscale)" verified
d_stop

# ---- 5. OpenSC as the oracle, or TLS where OpenSC cannot read the card
# OpenSC's certificate object, by the CKA_ID OpenSC gives it (its own choice per layout).
o=(pkcs11-tool --module "$(e2e_opensc_module)")
"${o[@]}" -O --type cert >"$E2E_TMP/opensc-objects.txt" 2>&1 || true
opensc_id=$(p11_field "$E2E_TMP/opensc-objects.txt" ID)
opensc_der() {
  [[ -n $opensc_id ]] && "${o[@]}" --read-object --type cert --id "$opensc_id" \
    --output-file "$E2E_TMP/opensc.der" >/dev/null 2>&1 && [[ -s $E2E_TMP/opensc.der ]]
}
if [[ $opensc == yes ]]; then
  "${o[@]}" --list-token-slots >"$E2E_TMP/opensc-slots.txt" 2>&1 || true
  e2e_check "OpenSC: token serial = card ID" test "$(p11_field "$E2E_TMP/opensc-slots.txt" "serial num")" = "$CARD_ID"
  e2e_check "OpenSC lists the certificate" opensc_der
  e2e_check "OpenSC: the same certificate as tscns" cmp -s "$E2E_TMP/opensc.der" "$E2E_TMP/module.der"
  serial_same() {
    [[ $(openssl x509 -inform DER -in "$E2E_TMP/opensc.der" -noout -serial) == \
      "$(openssl x509 -in "$E2E_TMP/tool-cert.pem" -noout -serial)" ]]
  }
  e2e_check "OpenSC: the same certificate serial as tscns" serial_same
else
  # A newer OpenSC may read the card: where it lists a certificate, it must be ours.
  if opensc_der; then
    e2e_check "OpenSC reads this card too: the same certificate as tscns" \
      cmp -s "$E2E_TMP/opensc.der" "$E2E_TMP/module.der"
  else
    e2e_log "OpenSC ($(dpkg-query -W -f '${Version}' opensc 2>/dev/null)) does not list this card's certificate"
  fi
  p11_tls_prepare
  p11_nss_prepare
  p11_handshake nss-tls13 tls1_3 RSA-PSS "${P11_TSTCLNT[@]}" -V tls1.3:tls1.3
fi

e2e_summary
