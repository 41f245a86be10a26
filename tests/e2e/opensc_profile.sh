#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# OpenSC (Debian's opensc-pkcs11.so, driver "Italian CNS") against one vcard profile through a
# real pcscd and vpcd: an independent implementation accepting our card is the proof that the
# card is faithful. Usage: opensc_profile.sh PROFILE [KEY_BITS]
source "$(dirname "$0")/lib.sh"
profile=${1:?profile}
bits=${2:-}

module=$(e2e_opensc_module)
card=$E2E_TMP/card
newopts=(--profile "$profile" --seed 4242)
[[ -n $bits ]] && newopts+=(--key-bits "$bits")
e2e_new_card "$card" "${newopts[@]}"
pin=$(e2e_json "$card" pin)
card_id=$(e2e_json "$card" cardId)
given=$(e2e_json "$card" givenName)
surname=$(e2e_json "$card" surname)
openssl x509 -in "$card/cert.pem" -pubkey -noout >"$E2E_TMP/pub.pem"

e2e_start_pcscd
e2e_start_card "$card" 0 --apdu-log "$E2E_TMP/apdu.log"

p11() { pkcs11-tool --module "$module" "$@"; }

# Driver and token.
opensc-tool --reader 0 --name >"$E2E_TMP/name.txt" 2>&1 || true
e2e_check "OpenSC picks the Italian CNS driver" grep -qi "CNS" "$E2E_TMP/name.txt"
p11 --list-slots >"$E2E_TMP/slots.txt" 2>&1
e2e_check "token serial = cardId" grep -Eq "serial num[[:space:]]*:[[:space:]]*$card_id" "$E2E_TMP/slots.txt"

# pkcs15-tool: serial and EF_DatiPersonali (the token label is built from it).
pkcs15-tool --reader 0 --dump >"$E2E_TMP/dump.txt" 2>&1
e2e_check "pkcs15-tool serial = cardId" grep -Eq "Serial number[[:space:]]*:[[:space:]]*$card_id" "$E2E_TMP/dump.txt"
e2e_check "pkcs15-tool token label = holder from EF_DatiPersonali" \
  grep -Fq "PKCS#15 Card [$given $surname]" "$E2E_TMP/dump.txt"
pkcs15-tool --reader 0 --read-data-object EF_DatiPersonali --output "$E2E_TMP/dp.bin" >/dev/null 2>&1 || true
dp_matches() {
  local ef
  ef=$(ls "$card"/ef/*-1100-1102)
  # OpenSC returns the EF content; compare the meaningful (non-padding) part.
  cmp -s <(tr -d '\000' <"$E2E_TMP/dp.bin") <(tr -d '\000' <"$ef")
}
e2e_check "pkcs15-tool reads EF_DatiPersonali as written" dp_matches

# Objects.
p11 --list-objects >"$E2E_TMP/objects.txt" 2>&1
p11 --login --pin "$pin" --list-objects >"$E2E_TMP/objects-login.txt" 2>&1
e2e_check "certificate listed" grep -q "Certificate Object" "$E2E_TMP/objects.txt"
e2e_check "private key listed" grep -q "Private Key Object" "$E2E_TMP/objects-login.txt"
p11 --read-object --type cert --id 01 --output-file "$E2E_TMP/cert.der" >/dev/null 2>&1 || true
cert_matches() {
  cmp -s "$E2E_TMP/cert.der" <(openssl x509 -in "$card/cert.pem" -outform DER)
}
e2e_check "certificate read through OpenSC equals cert.pem" cert_matches

# Signatures, verified by openssl against cert.pem.
head -c 1000 /dev/urandom >"$E2E_TMP/data"
openssl dgst -sha256 -binary "$E2E_TMP/data" >"$E2E_TMP/hash"
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' \
  | cat - "$E2E_TMP/hash" >"$E2E_TMP/digestinfo"
p11 --login --pin "$pin" --sign --mechanism RSA-PKCS --input-file "$E2E_TMP/digestinfo" \
  --output-file "$E2E_TMP/sig-pkcs" >"$E2E_TMP/sign1.txt" 2>&1 || cat "$E2E_TMP/sign1.txt" >&2
e2e_check "RSA-PKCS signature verifies" \
  openssl dgst -sha256 -verify "$E2E_TMP/pub.pem" -signature "$E2E_TMP/sig-pkcs" "$E2E_TMP/data"
p11 --login --pin "$pin" --sign --mechanism SHA256-RSA-PKCS --input-file "$E2E_TMP/data" \
  --output-file "$E2E_TMP/sig-sha256" >"$E2E_TMP/sign2.txt" 2>&1 || cat "$E2E_TMP/sign2.txt" >&2
e2e_check "SHA256-RSA-PKCS signature verifies" \
  openssl dgst -sha256 -verify "$E2E_TMP/pub.pem" -signature "$E2E_TMP/sig-sha256" "$E2E_TMP/data"
sig_len_ok() {
  local want=$(( $(openssl x509 -in "$card/cert.pem" -noout -text | grep -Eo 'Public-Key: \(([0-9]+) bit' | grep -Eo '[0-9]+') / 8 ))
  [[ $(stat -c %s "$E2E_TMP/sig-sha256") -eq $want ]]
}
e2e_check "signature length = modulus length" sig_len_ok

# Wrong PIN: refused, and the third wrong PIN blocks it (state kept by the card).
wrong=$(printf '%s' "$pin" | tr '0-9' '1-90')
tries_left() { jq -er '.pinTriesLeft' "$card/state.json"; }
for n in 1 2 3; do
  if p11 --login --pin "$wrong" --list-objects >"$E2E_TMP/wrong$n.txt" 2>&1; then
    e2e_fail "wrong PIN #$n accepted"
  fi
  # The blocking attempt may be reported as incorrect (63C0) or locked (6983).
  expect=CKR_PIN_INCORRECT
  ((n == 3)) && expect="CKR_PIN_INCORRECT|CKR_PIN_LOCKED"
  e2e_check "wrong PIN #$n refused ($expect)" grep -Eq "$expect" "$E2E_TMP/wrong$n.txt"
  e2e_check "card counts wrong PIN #$n" test "$(tries_left)" -eq $((3 - n))
done
if p11 --login --pin "$pin" --list-objects >"$E2E_TMP/locked.txt" 2>&1; then
  e2e_fail "right PIN accepted after the PIN was blocked"
fi
e2e_check "blocked PIN refused (CKR_PIN_LOCKED)" grep -q "CKR_PIN_LOCKED" "$E2E_TMP/locked.txt"

e2e_summary
