#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tscns-portal's TLS client-certificate login with curl, as a browser with the card's PKCS#11
# module would do it: desk registration of a virtual card's holder, first access with an SMS
# code, then user ID + password and the card's certificate presented to the client-certificate
# listener (--client-cert-listen) -> /home with amr "pwd + tls-cert". Refused: no certificate,
# another person's certificate from a configured CA, a certificate of a CA not configured, a
# revoked certificate, no CRL at all, the certificate step without the password step; three
# failures drop the login. Renewal: the first login with the new card's certificate activates
# it and retires the old card.
#
# Usage: portal_tls.sh TSCNS_PORTAL [sqlite|postgresql]
PORTAL=${1:?usage: portal_tls.sh TSCNS_PORTAL [sqlite|postgresql]}
P_BACKEND=${2:-sqlite}
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/portal_lib.sh"

# cert_login CARD_DIR|none [CERT KEY]: the certificate form of the second-factor page (its csrf
# from the last page fetched), posted to the client-certificate listener with the card's
# certificate, as the browser does from the portal's origin.
cert_login() {
  local token
  token=$(csrf || true) # none after a page without a form
  local args=(-H "Origin: $BASE" --data-urlencode "csrf=$token")
  if [[ $1 != none ]]; then args+=(--cert "${2:-$1/cert.pem}" --key "${3:-$1/key.pem}"); fi
  req POST "$CERT_BASE/login/certificate" "${args[@]}"
}
# login_password USER PASSWORD: a new login up to the second-factor page (fetched).
login_password() {
  p_new_session
  req GET /login
  post /login user_id="$1" password="$2" csrf="$(csrf)"
  [[ "$STATUS $LOCATION" == "303 /login/second-factor" ]] || e2e_fail "password step: $STATUS $LOCATION"
  req GET /login/second-factor
}
body_has() { grep -q "$1" "$P_BODY"; }

# start_portal ARGS...: (re)starts tscns-portal on $port and $cert_port with ARGS added.
start_portal() {
  [[ -z ${P_PID:-} ]] || e2e_stop_pid "$P_PID"
  P_PORT=$port P_LISTENERS=2 p_start portal --client-cert-listen "127.0.0.1:$cert_port" "$@"
}

# ---- the cards: A is the account holder's; B another person's (its CA configured too); C's CA
# ---- is not configured
for c in a:61 b:62 c:63; do e2e_new_card "$E2E_TMP/${c%%:*}" --seed "${c##*:}"; done
A=$E2E_TMP/a B=$E2E_TMP/b C=$E2E_TMP/c
e2e_check "three cards of three people" test "$(for d in "$A" "$B" "$C"; do e2e_json "$d" codiceFiscale; done | sort -u | wc -l)" = 3
e2e_check "card B's CA is not card A's" bash -c "! cmp -s '$A/ca.pem' '$B/ca.pem' && ! cmp -s '$A/ca.pem' '$C/ca.pem'"
e2e_make_crl "$A" "$E2E_TMP/a.crl" || e2e_fail "openssl ca -gencrl (A)"
e2e_make_crl "$B" "$E2E_TMP/b.crl" || e2e_fail "openssl ca -gencrl (B)"
e2e_make_crl "$A" "$E2E_TMP/a-revoked.crl" "$A/cert.pem" || e2e_fail "openssl ca -revoke (A)"
CAS=(--cns-ca "$A/ca.pem" --cns-ca "$B/ca.pem")

port=$(e2e_free_port 28200 28899)
cert_port=$(e2e_free_port 28900 29599)
BASE=https://127.0.0.1:$port
CERT_BASE=https://127.0.0.1:$cert_port

e2e_check "--client-cert-listen without --cns-ca is refused" \
  bash -c "! '$PORTAL' serve --listen 127.0.0.1:$port --client-cert-listen 127.0.0.1:$cert_port --db '$P_DB' 2>'$E2E_TMP/refused.log' && grep -q 'needs --cns-ca' '$E2E_TMP/refused.log'"
start_portal "${CAS[@]}" --crl "$E2E_TMP/a.crl" --crl "$E2E_TMP/b.crl"

# ---- the TLS layer: the client-certificate listener names the configured CAs
openssl s_client -connect "127.0.0.1:$cert_port" </dev/null >"$E2E_TMP/s_client.out" 2>&1 || true
ca_named() { # ca_named CARD_DIR: the card's CA is a name of the CertificateRequest
  sed -n '/^Acceptable client certificate CA names/,/^Requested Signature/p' "$E2E_TMP/s_client.out" \
    | grep -Fxq "$(openssl x509 -in "$1/ca.pem" -noout -subject | sed 's/^subject=//')"
}
e2e_check "CertificateRequest names card A's CA" ca_named "$A"
e2e_check "CertificateRequest names card B's CA" ca_named "$B"
e2e_check "CertificateRequest does not name card C's CA" e2e_not ca_named "$C"
e2e_check "the main listener asks for no client certificate" bash -c \
  "openssl s_client -connect 127.0.0.1:$port </dev/null 2>/dev/null | grep -q 'No client certificate CA names sent'"
e2e_check "an unknown CA's certificate passes the handshake (the portal answers a page)" bash -c \
  "curl -sk --noproxy '*' -o /dev/null -w '%{http_code}' --cert '$C/cert.pem' --key '$C/key.pem' '$CERT_BASE/healthz' | grep -q 200"

# ---- desk registration and the first access with an SMS code
p_register_holder "$A" 80380000301234567890
cf=$P_CF user=$P_USER
pw="una frase lunga per il fascicolo"
e2e_check "first access with the SMS code -> /home" p_first_access "$user" "$P_HALF1$P_HALF2" "$pw"

# ---- without the password step
p_new_session
cert_login "$A"
e2e_check "certificate without any session: 403" test "$STATUS" = 403
req GET /login
cert_login "$A"
e2e_check "certificate in an anonymous session (no password yet): 403, start again" \
  bash -c "test $STATUS = 403 && grep -q 'codice utente e la password' '$P_BODY'"
req GET /home
e2e_check "... and no access: /home -> /login" test "$STATUS $LOCATION" = "303 /login"

# ---- the second-factor page offers the certificate
login_password "$user" "$pw"
e2e_check "second factor: a certificate form posting to the client-certificate listener" \
  body_has "<form method=\"post\" action=\"$CERT_BASE/login/certificate\" id=\"certificate-form\">"
e2e_check "second factor: CSP form-action allows the client-certificate origin" \
  grep -qi "^content-security-policy:.*form-action 'self' $CERT_BASE;" "$P_HEAD"

# ---- refusals (two failures: the login survives)
cert_login none
e2e_check "no certificate: 401 'Certificato non ricevuto'" bash -c "test $STATUS = 401 && grep -q 'Certificato non ricevuto' '$P_BODY'"
req GET /login/second-factor # back to the page, as its link does
cert_login "$B"
e2e_check "another person's certificate (CA configured): 401 'Certificato non accettato'" \
  bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$P_BODY'"
e2e_check "the refusal page links back to the portal's second-factor page" \
  body_has "href=\"$BASE/login/second-factor\""
req GET /login/second-factor # back to the page, as its link does
cert_login "$C"
e2e_check "a certificate whose CA is not configured: 401" bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$P_BODY'"
req GET /login/second-factor # back to the page, as its link does
other=$(curl -sk --noproxy '*' -o /dev/null -w '%{http_code}' -b "$P_JAR" -H 'Origin: https://evil.example' \
  --data-urlencode "csrf=$(csrf)" --cert "$A/cert.pem" --key "$A/key.pem" "$CERT_BASE/login/certificate")
e2e_check "a POST from another origin: 403" test "$other" = 403

# ---- the right certificate
req GET /login/second-factor # back to the page, as its link does
cert_login "$A"
e2e_check "card A's certificate: 303 to the portal's /home ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 $BASE/home"
e2e_check "the session cookie was rotated by the client-certificate listener" \
  grep -qi '^set-cookie: __Host-tscns-portal=.*Secure; HttpOnly; SameSite=Lax' "$P_HEAD"
req GET /home
e2e_check "home: amr pwd + tls-cert" bash -c "test $STATUS = 200 && grep -q 'pwd + tls-cert' '$P_BODY'"
e2e_check "home: the holder's name" body_has "$(e2e_json "$A" givenName) $(e2e_json "$A" surname)"
e2e_check "audit log: cert-verified" p_audit_has '^cert-verified '
e2e_check "audit log: login-success with amr pwd+tls-cert" p_audit_has '^login-success amr pwd\+tls-cert'
e2e_check "audit log: the other person refused as IDENTITY_MISMATCH" p_audit_has '^cert-failed .*IDENTITY_MISMATCH'
e2e_check "audit log: the unknown CA refused as UNTRUSTED_CERTIFICATE" p_audit_has '^cert-failed .*UNTRUSTED_CERTIFICATE'
post /logout csrf="$(csrf)"

# ---- three failures drop the login
login_password "$user" "$pw"
for _ in 1 2; do
  cert_login "$B"
  req GET /login/second-factor
done
cert_login "$B"
e2e_check "third failure: 403 'Troppi tentativi', the cookie is cleared" bash -c \
  "test $STATUS = 403 && grep -q 'Troppi tentativi' '$P_BODY' && grep -qi '^set-cookie: __Host-tscns-portal=;.*Max-Age=0' '$P_HEAD'"
req GET /login/second-factor
e2e_check "... the login is gone: /login/second-factor -> /login" test "$STATUS $LOCATION" = "303 /login"

# ---- revoked: card A's certificate listed in its CA's CRL
start_portal "${CAS[@]}" --crl "$E2E_TMP/a-revoked.crl" --crl "$E2E_TMP/b.crl"
login_password "$user" "$pw"
cert_login "$A"
e2e_check "a revoked certificate: 401" bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$P_BODY'"
e2e_check "audit log: REVOKED" p_audit_has '^cert-failed .*REVOKED'

# ---- no CRL: fail closed, whatever --crl-grace says (a grace applies to a stale CRL only)
start_portal "${CAS[@]}"
login_password "$user" "$pw"
cert_login "$A"
e2e_check "no CRL: 401 (revocation unavailable)" test "$STATUS" = 401
e2e_check "audit log: REVOCATION_UNAVAILABLE" p_audit_has '^cert-failed .*REVOCATION_UNAVAILABLE'
start_portal "${CAS[@]}" --crl-grace 3600
login_password "$user" "$pw"
cert_login "$A"
e2e_check "no CRL with --crl-grace 3600: still 401" test "$STATUS" = 401

# ---- renewal: the new card's certificate activates it and retires the old card
start_portal "${CAS[@]}" --crl "$E2E_TMP/a.crl" --crl "$E2E_TMP/b.crl"
A2=$E2E_TMP/a2 # the same person's renewal card, from the same CA
e2e_new_card "$A2" --seed 64 --holder-seed 61
"$PORTAL" cards add --db "$P_DB" --cf "$cf" --card-number 80380000309876543210 \
  --card-expiry "$(e2e_json "$A2" expiryDate)" >/dev/null
login_password "$user" "$pw"
cert_login "$A2"
e2e_check "renewal: the new card's certificate logs in ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 $BASE/home"
e2e_check "renewal: the card-replaced notification was sent" \
  jqe '[.[] | select(.kind == "notification" and (.text | test("nuova tessera")))] | length >= 1' <(sms)
p_password "$user" "$pw"
e2e_check "renewal: the old card's user ID no longer works" p_error_page
login_password 9876543210 "$pw"
cert_login "$A"
e2e_check "renewal: the old card's certificate is refused" test "$STATUS" = 401
e2e_check "audit log: the replaced card named" p_audit_has '^cert-failed .*replaced'

e2e_summary
[[ $E2E_FAILED == 0 ]]
