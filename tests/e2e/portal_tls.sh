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
# Usage: portal_tls.sh TSCNS_PORTAL
PORTAL=${1:?usage: portal_tls.sh TSCNS_PORTAL}
source "$(dirname "$0")/lib.sh"

export XDG_DATA_HOME=$E2E_TMP/data
DB=sqlite:$E2E_TMP/portal.sqlite

# ---- curl helpers (a copy of portal_flows.sh's, with full URLs accepted; to be replaced by
# ---- tests/e2e/portal_lib.sh) ------------------------------------------------------------------
JAR=$E2E_TMP/jar
STATUS="" LOCATION=""
# req METHOD PATH|URL [curl args...]: one request with the cookie jar; sets STATUS and LOCATION,
# the body goes to $E2E_TMP/body. A PATH goes to $BASE.
req() {
  local method=$1 url=$2
  shift 2
  [[ $url == https://* ]] || url=$BASE$url
  local out
  out=$(curl -sk -X "$method" -c "$JAR" -b "$JAR" -o "$E2E_TMP/body" -D "$E2E_TMP/head" \
    -w '%{http_code}' --noproxy '*' "$@" "$url" 2>>"$E2E_TMP/curl.log") || true
  STATUS=$out
  LOCATION=$(awk -F': ' 'tolower($1) == "location" { sub(/\r$/, "", $2); print $2 }' "$E2E_TMP/head")
}
csrf() { grep -o 'name="csrf" value="[^"]*"' "$E2E_TMP/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }
post() { # post PATH field=value... (urlencoded)
  local path=$1
  shift
  local args=()
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  req POST "$path" "${args[@]}"
}
sms() { "$PORTAL" sms list --db "$DB" --json; }
last_code() { sms | jq -r --arg k "$1" '[.[] | select(.kind == $k)] | last | .code'; }
# ---- end of the curl helpers ------------------------------------------------------------------

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
  rm -f "$JAR"
  req GET /login
  post /login user_id="$1" password="$2" csrf="$(csrf)"
  [[ "$STATUS $LOCATION" == "303 /login/second-factor" ]] || e2e_fail "password step: $STATUS $LOCATION"
  req GET /login/second-factor
}
body_has() { grep -q "$1" "$E2E_TMP/body"; }
not() { ! "$@"; }

portal_pid=""
# start_portal ARGS...: (re)starts tscns-portal on $port and $cert_port with ARGS added.
start_portal() {
  [[ -z $portal_pid ]] || e2e_stop_pid "$portal_pid"
  : >"$E2E_TMP/portal.out"
  "$PORTAL" serve --listen "127.0.0.1:$port" --client-cert-listen "127.0.0.1:$cert_port" \
    --db "$DB" "$@" >"$E2E_TMP/portal.out" 2>>"$E2E_TMP/portal.log" &
  portal_pid=$!
  for _ in $(seq 100); do
    [[ $(grep -c '^listening' "$E2E_TMP/portal.out") == 2 ]] && return 0
    kill -0 "$portal_pid" 2>/dev/null || { cat "$E2E_TMP/portal.log" >&2; e2e_fail "tscns-portal exited"; }
    sleep 0.1
  done
  e2e_fail "tscns-portal does not listen on both ports"
}
e2e_at_exit 'e2e_stop_pid "$portal_pid"'

# make_renewal_cert CARD_DIR OUT_DIR CARD_ID YYYYMMDD: a certificate of the card's holder (same
# subject, CN with CARD_ID) on a new key, by the card's test CA, valid to YYYYMMDD 23:59:59 UTC:
# the authentication certificate of the holder's renewal card.
make_renewal_cert() {
  local dir=$1 out=$2 id=$3 end=$4 db cf hash subj
  mkdir -p "$out"
  db=$(mktemp -d "$E2E_TMP/ca.XXXXXX")
  : >"$db/index.txt"
  echo 1001 >"$db/serial"
  cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
certificate = $dir/ca.pem
private_key = $dir/ca-key.pem
default_md = sha256
policy = any
unique_subject = no
x509_extensions = card
[ any ]
commonName = supplied
[ card ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
certificatePolicies = 1.3.76.16.2.1
EOF
  cf=$(e2e_json "$dir" codiceFiscale)
  hash=$(head -c 20 /dev/urandom | base64 | tr '/+' 'AB') # no -subj separators
  subj="/C=IT/OU=tscns test region/CN=$cf\\/$id.$hash"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$out/key.pem" -subj "$subj" \
    -out "$db/req.pem" >>"$E2E_TMP/openssl.log" 2>&1 || return 1
  openssl ca -batch -config "$db/ca.cnf" -in "$db/req.pem" -out "$out/cert.pem" -notext \
    -enddate "${end}235959Z" >>"$E2E_TMP/openssl.log" 2>&1
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

port=$(e2e_free_port 48200 48899)
cert_port=$(e2e_free_port 48900 49599)
BASE=https://127.0.0.1:$port
CERT_BASE=https://127.0.0.1:$cert_port

e2e_check "--client-cert-listen without --cns-ca is refused" \
  bash -c "! '$PORTAL' serve --listen 127.0.0.1:$port --client-cert-listen 127.0.0.1:$cert_port --db '$DB' 2>'$E2E_TMP/refused.log' && grep -q 'needs --cns-ca' '$E2E_TMP/refused.log'"
start_portal "${CAS[@]}" --crl "$E2E_TMP/a.crl" --crl "$E2E_TMP/b.crl"

# ---- the TLS layer: the client-certificate listener names the configured CAs
openssl s_client -connect "127.0.0.1:$cert_port" </dev/null >"$E2E_TMP/s_client.out" 2>&1 || true
ca_named() { # ca_named CARD_DIR: the card's CA is a name of the CertificateRequest
  sed -n '/^Acceptable client certificate CA names/,/^Requested Signature/p' "$E2E_TMP/s_client.out" \
    | grep -Fxq "$(openssl x509 -in "$1/ca.pem" -noout -subject | sed 's/^subject=//')"
}
e2e_check "CertificateRequest names card A's CA" ca_named "$A"
e2e_check "CertificateRequest names card B's CA" ca_named "$B"
e2e_check "CertificateRequest does not name card C's CA" not ca_named "$C"
e2e_check "the main listener asks for no client certificate" bash -c \
  "openssl s_client -connect 127.0.0.1:$port </dev/null 2>/dev/null | grep -q 'No client certificate CA names sent'"
e2e_check "an unknown CA's certificate passes the handshake (the portal answers a page)" bash -c \
  "curl -sk --noproxy '*' -o /dev/null -w '%{http_code}' --cert '$C/cert.pem' --key '$C/key.pem' '$CERT_BASE/healthz' | grep -q 200"

# ---- desk registration and the first access with an SMS code
cf=$(e2e_json "$A" codiceFiscale)
expiry=$(e2e_json "$A" expiryDate)
reg=$("$PORTAL" desk register --db "$DB" --card-number 80380000301234567890 --cf "$cf" \
  --mobile "+39 333 0000001" --given-name "$(e2e_json "$A" givenName)" \
  --surname "$(e2e_json "$A" surname)" --card-expiry "$expiry" --json)
user=$(jq -r .userId <<<"$reg")
provisional=$(jq -r .provisionalPasswordFirstHalf <<<"$reg")$(last_code provisional-password)
req GET /login
post /login user_id="$user" password="$provisional" csrf="$(csrf)"
e2e_check "first access: provisional password -> /login/new-password" test "$STATUS $LOCATION" = "303 /login/new-password"
req GET /login/new-password
pw="una frase lunga per il fascicolo"
post /login/new-password new_password="$pw" new_password_confirm="$pw" csrf="$(csrf)"
req GET /login/otp
post /login/otp code="$(last_code otp)" csrf="$(csrf)"
e2e_check "first access: SMS code -> 303 /home" test "$STATUS $LOCATION" = "303 /home"

# ---- without the password step
rm -f "$JAR"
cert_login "$A"
e2e_check "certificate without any session: 403" test "$STATUS" = 403
req GET /login
cert_login "$A"
e2e_check "certificate in an anonymous session (no password yet): 403, start again" \
  bash -c "test $STATUS = 403 && grep -q 'codice utente e la password' '$E2E_TMP/body'"
req GET /home
e2e_check "... and no access: /home -> /login" test "$STATUS $LOCATION" = "303 /login"

# ---- the second-factor page offers the certificate
login_password "$user" "$pw"
e2e_check "second factor: a certificate form posting to the client-certificate listener" \
  body_has "<form method=\"post\" action=\"$CERT_BASE/login/certificate\" id=\"certificate-form\">"
e2e_check "second factor: CSP form-action allows the client-certificate origin" \
  grep -qi "^content-security-policy:.*form-action 'self' $CERT_BASE;" "$E2E_TMP/head"

# ---- refusals (two failures: the login survives)
cert_login none
e2e_check "no certificate: 401 'Certificato non ricevuto'" bash -c "test $STATUS = 401 && grep -q 'Certificato non ricevuto' '$E2E_TMP/body'"
req GET /login/second-factor # back to the page, as its link does
cert_login "$B"
e2e_check "another person's certificate (CA configured): 401 'Certificato non accettato'" \
  bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$E2E_TMP/body'"
e2e_check "the refusal page links back to the portal's second-factor page" \
  body_has "href=\"$BASE/login/second-factor\""
req GET /login/second-factor # back to the page, as its link does
cert_login "$C"
e2e_check "a certificate whose CA is not configured: 401" bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$E2E_TMP/body'"
req GET /login/second-factor # back to the page, as its link does
other=$(curl -sk --noproxy '*' -o /dev/null -w '%{http_code}' -b "$JAR" -H 'Origin: https://evil.example' \
  --data-urlencode "csrf=$(csrf)" --cert "$A/cert.pem" --key "$A/key.pem" "$CERT_BASE/login/certificate")
e2e_check "a POST from another origin: 403" test "$other" = 403

# ---- the right certificate
req GET /login/second-factor # back to the page, as its link does
cert_login "$A"
e2e_check "card A's certificate: 303 to the portal's /home ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 $BASE/home"
e2e_check "the session cookie was rotated by the client-certificate listener" \
  grep -qi '^set-cookie: __Host-tscns-portal=.*Secure; HttpOnly; SameSite=Lax' "$E2E_TMP/head"
req GET /home
e2e_check "home: amr pwd + tls-cert" bash -c "test $STATUS = 200 && grep -q 'pwd + tls-cert' '$E2E_TMP/body'"
e2e_check "home: the holder's name" body_has "$(e2e_json "$A" givenName) $(e2e_json "$A" surname)"
e2e_check "audit log: cert-verified and login-success with amr pwd+tls-cert" bash -c \
  "sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT event || ' ' || detail FROM audit_log\" | grep -q '^cert-verified' &&
   sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT event || ' ' || detail FROM audit_log\" | grep -q '^login-success amr pwd+tls-cert'"
e2e_check "audit log: the refusals with the verifier's reason" bash -c \
  "sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT detail FROM audit_log WHERE event = 'cert-failed'\" | grep -q IDENTITY_MISMATCH &&
   sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT detail FROM audit_log WHERE event = 'cert-failed'\" | grep -q UNTRUSTED_CERTIFICATE"
post /logout csrf="$(csrf)"

# ---- three failures drop the login
login_password "$user" "$pw"
for _ in 1 2; do
  cert_login "$B"
  req GET /login/second-factor
done
cert_login "$B"
e2e_check "third failure: 403 'Troppi tentativi', the cookie is cleared" bash -c \
  "test $STATUS = 403 && grep -q 'Troppi tentativi' '$E2E_TMP/body' && grep -qi '^set-cookie: __Host-tscns-portal=;.*Max-Age=0' '$E2E_TMP/head'"
req GET /login/second-factor
e2e_check "... the login is gone: /login/second-factor -> /login" test "$STATUS $LOCATION" = "303 /login"

# ---- revoked: card A's certificate listed in its CA's CRL
start_portal "${CAS[@]}" --crl "$E2E_TMP/a-revoked.crl" --crl "$E2E_TMP/b.crl"
login_password "$user" "$pw"
cert_login "$A"
e2e_check "a revoked certificate: 401" bash -c "test $STATUS = 401 && grep -q 'Certificato non accettato' '$E2E_TMP/body'"
e2e_check "audit log: REVOKED" bash -c \
  "sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT detail FROM audit_log WHERE event = 'cert-failed'\" | grep -q REVOKED"

# ---- no CRL: fail closed, unless --allow-revocation-unavailable
start_portal "${CAS[@]}"
login_password "$user" "$pw"
cert_login "$A"
e2e_check "no CRL: 401 (revocation unavailable)" test "$STATUS" = 401
e2e_check "audit log: REVOCATION_UNAVAILABLE" bash -c \
  "sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT detail FROM audit_log WHERE event = 'cert-failed'\" | grep -q REVOCATION_UNAVAILABLE"
start_portal "${CAS[@]}" --allow-revocation-unavailable
login_password "$user" "$pw"
cert_login "$A"
e2e_check "no CRL with --allow-revocation-unavailable: 303 /home" test "$STATUS $LOCATION" = "303 $BASE/home"

# ---- renewal: the new card's certificate activates it and retires the old card
start_portal "${CAS[@]}" --crl "$E2E_TMP/a.crl" --crl "$E2E_TMP/b.crl"
newExpiry=$(date -u -d "$expiry + 5 years" +%Y-%m-%d)
make_renewal_cert "$A" "$E2E_TMP/a2" 6030000000000018 "${newExpiry//-/}" || e2e_fail "renewal certificate"
"$PORTAL" cards add --db "$DB" --cf "$cf" --card-number 80380000309876543210 --card-expiry "$newExpiry" >/dev/null
login_password "$user" "$pw"
cert_login "$A" "$E2E_TMP/a2/cert.pem" "$E2E_TMP/a2/key.pem"
e2e_check "renewal: the new card's certificate logs in ($STATUS $LOCATION)" test "$STATUS $LOCATION" = "303 $BASE/home"
e2e_check "renewal: the card-replaced notification was sent" bash -c \
  "'$PORTAL' sms list --db '$DB' --json | jq -e '[.[] | select(.kind == \"notification\" and (.text | test(\"nuova tessera\")))] | length >= 1' >/dev/null"
rm -f "$JAR"
req GET /login
post /login user_id="$user" password="$pw" csrf="$(csrf)"
e2e_check "renewal: the old card's user ID no longer works" bash -c "test $STATUS = 200 && grep -q 'id=\"error\"' '$E2E_TMP/body'"
login_password 9876543210 "$pw"
cert_login "$A"
e2e_check "renewal: the old card's certificate is refused" test "$STATUS" = 401
e2e_check "audit log: the replaced card named" bash -c \
  "sqlite3 '$E2E_TMP/portal.sqlite' \"SELECT detail FROM audit_log WHERE event = 'cert-failed'\" | grep -q 'replaced'"

e2e_summary
[[ $E2E_FAILED == 0 ]]
