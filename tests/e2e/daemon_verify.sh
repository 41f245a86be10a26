#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real tokens from tscnsd (vcard through pcscd and vpcd) checked by `tscns verify` as a login
# service would (cns-auth.md §5.3): accepted with the session's values, and rejected, each with
# its exit code and failure code, for a wrong origin (also a token made for another allowlisted
# origin), a wrong context, another session's challenge, a tampered signature, another card's
# certificate swapped in, edited token members, an unknown CA, an expired or not yet valid
# certificate, a revoked certificate (CRL from the vcard's test CA via `openssl ca`), missing
# revocation data, a wrong policy, another account's codice fiscale or card ID. Also one token
# per card profile (RSA-2048 and RSA-1024) and a foreign card.
#
# Single use of the challenge is not shown here: `tscns verify` takes the session values on the
# command line and has no challenge store. It is covered by the verifier's unit tests
# (verify_storeBacked_singleUseAcrossStores, store_take_isGetAndDelete, the SQLite concurrency
# tests) and, at the portal level, by the browser test (tests/browser: the same token posted
# twice).
#
# Usage: daemon_verify.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see daemon.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"

a=$E2E_TMP/a
b=$E2E_TMP/b
e2e_new_card "$a" --profile st-cns11 --seed 41 --pin 24680135
e2e_new_card "$b" --profile st-cns11 --seed 42
cf=$(e2e_json "$a" codiceFiscale)
card_id=$(e2e_json "$a" cardId)
d_make_crl "$a" "$E2E_TMP/empty.crl" || e2e_fail "openssl ca -gencrl"
d_make_crl "$a" "$E2E_TMP/revoked.crl" "$a/cert.pem" || e2e_fail "openssl ca -revoke"
e2e_check "the revoking CRL lists the card's serial" bash -c \
  "openssl crl -in '$E2E_TMP/revoked.crl' -noout -text | tr -d ' :' | grep -qi \"\$(openssl x509 -in '$a/cert.pem' -noout -serial | cut -d= -f2)\""
e2e_start_pcscd
e2e_start_card "$a" 0
pid_a=$E2E_LAST_CARD_PID
d_start --rate-limit 0 --allow-origin "$D_ORIGIN2"
d_wait_card_present true || e2e_fail "tscnsd does not see the card"
d_pinentry --pin 24680135
context=fse-login-2fa

# token FILE CHALLENGE [CONTEXT] [ORIGIN]: authenticate through the daemon, keep the token.
token() {
  D_H_ORIGIN=${4:-$D_ORIGIN} d_call POST /v1/authenticate "$(d_auth_body "$2" "${3:-$context}")" >/dev/null
  [[ $D_STATUS == 200 ]] || e2e_fail "authenticate for $1: $(d_said)"
  jq .token "$D_BODY" >"$1"
}
ch=$(d_challenge)
token "$E2E_TMP/t.json" "$ch"
ch2=$(d_challenge)
token "$E2E_TMP/t-origin2.json" "$ch2" $context "$D_ORIGIN2"

# v EXPECTED_EXIT EXPECTED_CODE [tscns verify options...]: tscns verify --json with the session
# of t.json; V_TOKEN, V_ORIGIN, V_CHALLENGE, V_CONTEXT, V_CA, V_CRL, V_CF replace one value,
# V_NOCRL=1 leaves out the CRL. EXPECTED_CODE "" for success.
V_TOKEN=$E2E_TMP/t.json
v() {
  local want=$1 code=$2 rc crl=()
  shift 2
  [[ -n ${V_NOCRL:-} ]] || crl=(--crl "${V_CRL:-$E2E_TMP/empty.crl}")
  set +e
  "$TSCNS" verify --json --token "$V_TOKEN" --origin "${V_ORIGIN:-$D_ORIGIN}" \
    --challenge "${V_CHALLENGE:-$ch}" --context "${V_CONTEXT:-$context}" --ca "${V_CA:-$a/ca.pem}" \
    "${crl[@]}" --expect-cf "${V_CF:-$cf}" "$@" >"$E2E_TMP/v.json" 2>"$E2E_TMP/v.err" </dev/null
  rc=$?
  set -e
  [[ $rc == "$want" ]] || { e2e_log "exit $rc (want $want): $(cat "$E2E_TMP/v.err")"; return 1; }
  [[ -z $code ]] || jqe --arg c "$code" '.verified == false and .error.code == $c' "$E2E_TMP/v.json" \
    || { e2e_log "got $(jq -c .error "$E2E_TMP/v.json")"; return 1; }
}

# --- accepted
e2e_check "the token verifies (exit 0)" v 0 ""
e2e_check "verified: CF and certified card ID" jqe --arg cf "$cf" --arg id "$card_id" \
  '.verified and .codiceFiscale == $cf and .cardId == $id and .keyBits == 2048 and (.policies | index("1.3.76.16.2.1"))' "$E2E_TMP/v.json"
e2e_check "verified with the typed card ID" v 0 "" --expect-card-id "$card_id"
V_TOKEN=$E2E_TMP/t-origin2.json V_ORIGIN=$D_ORIGIN2 V_CHALLENGE=$ch2 \
  e2e_check "the other origin's token verifies for that origin" v 0 ""

# --- session values (§4.2: the server rebuilds origin, challenge, context)
V_ORIGIN=https://evil.example e2e_check "wrong origin: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
V_TOKEN=$E2E_TMP/t-origin2.json V_CHALLENGE=$ch2 \
  e2e_check "a real token made for another allowlisted origin, relayed: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
V_ORIGIN=$D_ORIGIN:443 e2e_check "origin with the default port: refused as a bad origin (2)" v 2 ""
V_CONTEXT=step-up-payment e2e_check "wrong context: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
V_CHALLENGE=$(d_challenge) e2e_check "another session's challenge: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
V_CHALLENGE=$ch2 e2e_check "the challenge of the other token: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE

# --- the token itself
sig=$(jq -r .signature "$E2E_TMP/t.json")
first=${sig:0:1}
[[ $first == A ]] && repl=B || repl=A
jq --arg s "$repl${sig:1}" '.signature = $s' "$E2E_TMP/t.json" >"$E2E_TMP/t-sig.json"
V_TOKEN=$E2E_TMP/t-sig.json e2e_check "tampered signature: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
openssl x509 -in "$b/cert.pem" -outform DER | base64 -w0 >"$E2E_TMP/b.b64"
jq --arg c "$(cat "$E2E_TMP/b.b64")" '.unverifiedCertificate = $c' "$E2E_TMP/t.json" >"$E2E_TMP/t-cert.json"
V_TOKEN=$E2E_TMP/t-cert.json e2e_check "another card's certificate swapped in: 22 BAD_SIGNATURE" v 22 BAD_SIGNATURE
jq --arg id "$(e2e_json "$b" cardId)" '.cardId = $id' "$E2E_TMP/t.json" >"$E2E_TMP/t-id.json"
V_TOKEN=$E2E_TMP/t-id.json e2e_check "unsigned cardId edited: still verifies ..." v 0 ""
e2e_check "... and the card ID reported is the certified one" jqe --arg id "$card_id" '.cardId == $id' "$E2E_TMP/v.json"
V_TOKEN=$E2E_TMP/t-id.json e2e_check "... which the typed card ID is compared with" v 0 "" --expect-card-id "$card_id"
jq '.format = "web-eid:1.0"' "$E2E_TMP/t.json" >"$E2E_TMP/t-fmt.json"
V_TOKEN=$E2E_TMP/t-fmt.json e2e_check "other format: 21 MALFORMED" v 21 MALFORMED
jq '.algorithm = "PS256"' "$E2E_TMP/t.json" >"$E2E_TMP/t-alg.json"
V_TOKEN=$E2E_TMP/t-alg.json e2e_check "other algorithm: 21 ALGORITHM_MISMATCH" v 21 ALGORITHM_MISMATCH
jq --arg o "$D_ORIGIN" '.origin = $o' "$E2E_TMP/t.json" >"$E2E_TMP/t-extra.json"
V_TOKEN=$E2E_TMP/t-extra.json e2e_check "a member outside §4.1 (origin): 21 MALFORMED" v 21 MALFORMED

# --- certificate (§5.3 step 4, 5)
V_CA=$b/ca.pem e2e_check "certificate from an unknown CA (another card's ca.pem): 23 UNTRUSTED_CERTIFICATE" v 23 UNTRUSTED_CERTIFICATE
not_before=$(date -u -d "$(openssl x509 -in "$a/cert.pem" -noout -startdate | cut -d= -f2)" +%s)
not_after=$(date -u -d "$(openssl x509 -in "$a/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
after=$(date -u -d "@$((not_after + 86400))" +%Y-%m-%dT%H:%M:%SZ)
before=$(date -u -d "@$((not_before - 86400))" +%Y-%m-%dT%H:%M:%SZ)
e2e_check "expired certificate (--at $after, a day after notAfter): 24 CERTIFICATE_EXPIRED" v 24 CERTIFICATE_EXPIRED --at "$after"
e2e_check "not yet valid (--at $before, a day before notBefore): 24 CERTIFICATE_NOT_YET_VALID" v 24 CERTIFICATE_NOT_YET_VALID --at "$before"
V_CRL=$E2E_TMP/revoked.crl e2e_check "revoked certificate (CRL of the test CA): 26 REVOKED" v 26 REVOKED
V_NOCRL=1 e2e_check "no revocation data: 27 REVOCATION_UNAVAILABLE (fail closed)" v 27 REVOCATION_UNAVAILABLE --no-ocsp
V_NOCRL=1 e2e_check "no revocation data, --crl-grace 3600: still 27 (a grace needs a CRL)" v 27 REVOCATION_UNAVAILABLE --no-ocsp --crl-grace 3600
e2e_check "wrong policy (--policy of the Lombardy CRS): 25 POLICY" v 25 POLICY --policy 1.3.76.12.1.1.10.2.2.10
e2e_check "CNS policy among several allowed: accepted" v 0 "" --policy 1.3.76.12.1.1.10.2.2.10 --policy 1.3.76.16.2.1

# --- identity (§5.3 step 6)
V_CF=$(e2e_json "$b" codiceFiscale) e2e_check "codice fiscale of another account: 28 IDENTITY_MISMATCH" v 28 IDENTITY_MISMATCH
e2e_check "typed card ID of another card: 28 CARD_ID_MISMATCH" v 28 CARD_ID_MISMATCH --expect-card-id "$(e2e_json "$b" cardId)"

# --- one token per card profile; a foreign card
e2e_stop_card "$pid_a" 0
for profile in athena-cns10 cardos-cns10 idemia-2021; do
  dir=$E2E_TMP/$profile
  e2e_new_card "$dir" --profile "$profile" --seed 43 --pin 11223344
  d_make_crl "$dir" "$dir/crl.pem" || e2e_fail "CRL for $profile"
  e2e_start_card "$dir" 0
  d_wait_card_present true || e2e_fail "tscnsd does not see $profile"
  d_pinentry --pin 11223344
  c=$(d_challenge)
  token "$E2E_TMP/t-$profile.json" "$c"
  bits=$(e2e_json "$dir" keyBits)
  # shellcheck disable=SC2120 # called with and without options
  pv() {
    "$TSCNS" verify --json --token "$E2E_TMP/t-$profile.json" --origin "$D_ORIGIN" --challenge "$c" \
      --context $context --ca "$dir/ca.pem" --crl "$dir/crl.pem" --expect-cf "$(e2e_json "$dir" codiceFiscale)" "$@" \
      >"$E2E_TMP/v.json" 2>"$E2E_TMP/v.err"
  }
  if [[ $bits == 1024 ]]; then
    set +e; pv; rc=$?; set -e
    e2e_check "$profile (RSA-1024) token: refused without --rsa1024-ca (25 WEAK_KEY, got $rc)" \
      bash -c "[[ $rc == 25 ]] && jq -e '.error.code == \"WEAK_KEY\"' '$E2E_TMP/v.json' >/dev/null"
    e2e_check "$profile (RSA-1024) token: accepted with --rsa1024-ca, flagged" pv --rsa1024-ca "$dir/ca.pem"
    e2e_check "$profile: flagged weakKeyDeprecated" jqe '.weakKeyDeprecated == true and .keyBits == 1024' "$E2E_TMP/v.json"
  else
    e2e_check "$profile (RSA-$bits) token verifies" pv
  fi
  e2e_stop_card "$E2E_LAST_CARD_PID" 0
  d_wait_card_present false || e2e_fail "card gone"
done
e2e_new_card "$E2E_TMP/foreign" --profile foreign-idemia --seed 44
e2e_start_card "$E2E_TMP/foreign" 0
d_wait_card_present true || e2e_fail "tscnsd does not see the foreign card"
d_pinentry --pin 11223344
d_call POST /v1/authenticate "$(d_auth_body "$(d_challenge)" $context)" >/dev/null
e2e_check "foreign card (same ATR as IDEMIA 2021): 409 CARD_NOT_SUPPORTED ($(d_said))" d_expect 409 CARD_NOT_SUPPORTED
e2e_check "foreign card: no dialog" d_pinentry_not_started
e2e_summary
