#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# OpenSC's pkcs11-tool drives the PKCS#11 module on one vcard profile through pcscd and vpcd:
# token info, objects, the four RSA signature mechanisms TLS and signing tools use (each checked
# by openssl against the card's certificate), a wrong PIN, and the threaded C_Initialize test of
# docs/pkcs11-clients.md §1.3.
# Usage: p11_pkcs11_tool.sh PROFILE [tscns|opensc|MODULE_PATH]   (default tscns = $TSCNS_MODULE)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p11_lib.sh"
profile=${1:?profile}
p11_setup "$profile" "${2:-tscns}"

p11() { pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL" "$@"; }
out=$E2E_TMP

# ---- -L: slot, token, labels, flags
pkcs11-tool --module "$P11_MODULE" -L >"$out/L.txt" 2>&1 || true # the checks below say what is missing
e2e_check "-L: token present" grep -q "token label" "$out/L.txt"
e2e_check "-L: token serial = cardId ($CARD_ID)" test "$(p11_field "$out/L.txt" "serial num")" = "$CARD_ID"
label_ok() {
  case $P11_KIND in
    tscns) [[ $TOKEN_LABEL == "$HOLDER" ]] ;;        # our label is the holder, nothing else
    *) [[ $TOKEN_LABEL == "$HOLDER"* ]] ;;            # OpenSC: "NAME SURNAME (PIN CNS0)"
  esac || { e2e_log "token label '$TOKEN_LABEL', holder '$HOLDER'"; return 1; }
}
e2e_check "-L: token label = holder ($HOLDER)" label_ok
flags=$(p11_field "$out/L.txt" "token flags")
e2e_check "-L: flags say login required" grep -q "login required" <<<"$flags"
# NSS treats LOGIN_REQUIRED without USER_PIN_INITIALIZED as an uninitialised token (§2.3).
e2e_check "-L: flags say PIN initialized" grep -q "PIN initialized" <<<"$flags"
e2e_check "-L: flags say token initialized" grep -q "token initialized" <<<"$flags"

# ---- -M: mechanisms (NSS and GnuTLS need RSA-PKCS-PSS, §0.1)
pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL" -M >"$out/M.txt" 2>&1 || true
for mech in RSA-PKCS RSA-PKCS-PSS SHA256-RSA-PKCS SHA256-RSA-PKCS-PSS; do
  e2e_check "-M: $mech listed with sign" grep -Eq "^[[:space:]]*$mech,.*\bsign\b" "$out/M.txt"
done

# ---- -O: objects, before and after login
p11 -O >"$out/O.txt" 2>&1 || true
p11 --login --pin "$PIN" -O >"$out/O-login.txt" 2>&1 || true
e2e_check "-O: certificate listed without login" grep -q "^Certificate Object" "$out/O.txt"
e2e_check "-O: public key listed without login" grep -q "^Public Key Object" "$out/O.txt"
e2e_check "-O --login: certificate listed" grep -q "^Certificate Object" "$out/O-login.txt"
e2e_check "-O --login: public key listed" grep -q "^Public Key Object" "$out/O-login.txt"
e2e_check "-O --login: private key listed" grep -q "^Private Key Object" "$out/O-login.txt"
# Every key and certificate object has the same CKA_ID (NSS finds the key by the cert's ID, §0.4).
ids() { # FILE: the IDs of the certificate and key objects
  awk '/^(Certificate|Public Key|Private Key) Object/ { want = 1; next }
       /^[A-Z]/ { want = 0 }
       want && $1 == "ID:" { print $2 }' "$1" | sort -u
}
one_id() {
  local got
  got=$(ids "$out/O-login.txt" | tr '\n' ' ')
  [[ $got == "$KEY_ID " ]] || { e2e_log "CKA_IDs: '$got', certificate's '$KEY_ID'"; return 1; }
}
e2e_check "-O: certificate, public and private key share one CKA_ID ($KEY_ID)" one_id
privkey_block() { awk '/^Private Key Object/ { p = 1; print; next } /^[A-Z]/ { p = 0 } p' "$out/O-login.txt"; }
e2e_check "-O: private key usage includes sign" grep -Eq "Usage:.*\bsign\b" <(privkey_block)
# NSS would ask the PIN for every TLS handshake (§2.5).
no_always_auth() { ! privkey_block | grep -qi "always authenticate"; }
e2e_check "-O: private key not CKA_ALWAYS_AUTHENTICATE" no_always_auth
e2e_check "-O: certificate label = key label" \
  test "$(privkey_block | sed -n 's/^[[:space:]]*label:[[:space:]]*//p' | sed 's/[[:space:]]*$//')" = "$CERT_LABEL"
p11 --read-object --type cert --id "$KEY_ID" --output-file "$out/cert.der" >"$out/read.txt" 2>&1 || true
e2e_check "certificate read through the module = cert.pem" \
  cmp -s "$out/cert.der" <(openssl x509 -in "$CARD/cert.pem" -outform DER)

# ---- Signatures, each verified by openssl with the certificate's public key
head -c 1000 /dev/urandom >"$out/data"
openssl dgst -sha256 -binary "$out/data" >"$out/hash"
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' \
  | cat - "$out/hash" >"$out/digestinfo"
sign() { # NAME INPUT MECHANISM [options...]: signs INPUT into $out/sig-NAME; checks a PSO was sent
  local name=$1 input=$2 before
  shift 2
  before=$(p11_pso_count)
  if ! p11 --login --pin "$PIN" --sign --id "$KEY_ID" --input-file "$input" \
    --output-file "$out/sig-$name" --mechanism "$@" >"$out/sign-$name.txt" 2>&1; then
    cat "$out/sign-$name.txt" >&2
    return 1
  fi
  (($(p11_pso_count) > before)) || { e2e_log "no PSO (2A 80 86) in the APDU log"; return 1; }
  [[ $(stat -c %s "$out/sig-$name") -eq $((KEY_BITS / 8)) ]] \
    || { e2e_log "signature is $(stat -c %s "$out/sig-$name") bytes, modulus $((KEY_BITS / 8))"; return 1; }
}
e2e_check "sign RSA-PKCS over a SHA-256 DigestInfo (card PSO, modulus-sized)" sign pkcs "$out/digestinfo" RSA-PKCS
e2e_check "RSA-PKCS signature verifies" \
  openssl dgst -sha256 -verify "$PUB_PEM" -signature "$out/sig-pkcs" "$out/data"
e2e_check "sign SHA256-RSA-PKCS over the data" sign sha256 "$out/data" SHA256-RSA-PKCS
e2e_check "SHA256-RSA-PKCS signature verifies" \
  openssl dgst -sha256 -verify "$PUB_PEM" -signature "$out/sig-sha256" "$out/data"
e2e_check "sign RSA-PKCS-PSS (SHA256, MGF1-SHA256, salt 32) over a 32-byte hash" \
  sign pss "$out/hash" RSA-PKCS-PSS --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32
e2e_check "RSA-PKCS-PSS signature verifies (salt 32)" \
  openssl pkeyutl -verify -pubin -inkey "$PUB_PEM" -in "$out/hash" -sigfile "$out/sig-pss" \
  -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
e2e_check "sign SHA256-RSA-PKCS-PSS over the data" \
  sign sha256pss "$out/data" SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32
e2e_check "SHA256-RSA-PKCS-PSS signature verifies (salt 32)" \
  openssl dgst -sha256 -verify "$PUB_PEM" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -signature "$out/sig-sha256pss" "$out/data"
# PSS is randomised: a second signature over the same hash differs (a fixed salt would repeat it).
e2e_check "sign RSA-PKCS-PSS again" \
  sign pss2 "$out/hash" RSA-PKCS-PSS --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32
differ() { ! cmp -s "$1" "$2"; }
e2e_check "two RSA-PKCS-PSS signatures differ (random salt)" differ "$out/sig-pss" "$out/sig-pss2"
# PKCS#1 v1.5 is deterministic: the card's signature equals openssl's with the card's key file.
same_as_openssl() {
  openssl dgst -sha256 -sign "$CARD/key.pem" -out "$out/sig-ref" "$out/data" && cmp -s "$out/sig-ref" "$out/sig-sha256"
}
e2e_check "SHA256-RSA-PKCS signature = openssl's with key.pem" same_as_openssl

# ---- A wrong PIN is refused and counted; the right PIN then works and resets the counter
wrong=$(printf '%s' "$PIN" | tr '0-9' '1-90')
if p11 --login --pin "$wrong" -O >"$out/wrong.txt" 2>&1; then e2e_fail "wrong PIN accepted"; fi
e2e_check "wrong PIN refused with CKR_PIN_INCORRECT" grep -q "CKR_PIN_INCORRECT" "$out/wrong.txt"
e2e_check "card counted the wrong PIN" test "$(jq -er .pinTriesLeft "$CARD/state.json")" -eq 2
e2e_check "right PIN accepted after a wrong one" sign again "$out/data" SHA256-RSA-PKCS
e2e_check "PIN counter back to 3" test "$(jq -er .pinTriesLeft "$CARD/state.json")" -eq 3

# ---- Two threads initialise the module with OS locking and read the token (§1.3). Concurrent
# first C_Initialize calls are a race the module must survive, so the test runs the §1.3 command
# in 4 processes at once (2 threads each, all sharing the card: §2.6), and every run must pass.
# They run in parallel because pkcs11-tool sleeps a fixed 30 s before joining threads that are
# still busy when its main thread is done, which is the usual case with a single module lock.
# OpenSC 0.23 itself loses the race now and then (a segfault in sc_notify_close, called from
# C_Finalize on C_Initialize's error path; the next run then waits ~30 s for pcscd to release the
# dead process's transaction), so for OpenSC the runs are sequential and the first pass is enough.
threads_ok() { # OUTPUT_FILE: the run reported success for both threads and read the token
  grep -q "all threads have ended with CKR_OK" "$1" && (($(grep -c "serial num.*: *$CARD_ID" "$1") >= 2))
}
threads_cmd() { # N
  timeout 90 pkcs11-tool --module "$P11_MODULE" --test-threads ILGISLT0 --test-threads ILGISLT0 -L \
    >"$out/threads-$1.txt" 2>&1
}
threads() {
  local i pids=() failed=0
  if [[ $P11_KIND == opensc ]]; then
    for i in 1 2 3 4 5; do
      threads_cmd "$i" && threads_ok "$out/threads-$i.txt" && return 0
      e2e_log "--test-threads run $i failed:"
      tail -n 15 "$out/threads-$i.txt" >&2
    done
    return 1
  fi
  for i in 1 2 3 4; do
    threads_cmd "$i" &
    pids+=($!)
  done
  for i in 1 2 3 4; do
    if ! wait "${pids[i - 1]}" || ! threads_ok "$out/threads-$i.txt"; then
      e2e_log "--test-threads process $i failed:"
      tail -n 15 "$out/threads-$i.txt" >&2
      failed=1
    fi
  done
  ((failed == 0))
}
how="4 processes at once"
[[ $P11_KIND == opensc ]] && how="first pass of 5 runs"
e2e_check "--test-threads ILGISLT0 x2 -L ($how): both threads read the token" threads

# ---- Last, so that a failure here leaves every check above reported: the private key is
# CKA_PRIVATE, so it is invisible until C_Login (PKCS#11 2.40 §4.4; OpenSC hides it too). The libp11
# engine relies on it: when it finds the key without logging in, it never calls C_Login, and
# C_Sign then fails with CKR_USER_NOT_LOGGED_IN (p11_tls.sh, openssl-tls13).
no_privkey_before_login() { ! grep -q "^Private Key Object" "$out/O.txt"; }
e2e_check "-O: private key hidden before login" no_privkey_before_login

e2e_summary
