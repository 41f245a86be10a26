# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034  # it sets variables for the scripts that source it
# Helpers shared by the PKCS#11 client tests (p11_*.sh) and bench/p11_bench.sh. Source it after
# lib.sh. The module under test is chosen by a word: "tscns" ($TSCNS_MODULE, the staged
# tscns-pkcs11.so), "opensc" (Debian's opensc-pkcs11.so, the reference oracle that already
# supports the st-cns11, athena-cns10 and cardos-cns10 cards), or a path to any module.

# p11_module_path KIND: the module file for KIND.
p11_module_path() {
  case $1 in
    tscns)
      : "${TSCNS_MODULE:?TSCNS_MODULE must name the staged tscns-pkcs11.so}"
      echo "$TSCNS_MODULE"
      ;;
    opensc) e2e_opensc_module ;;
    *) echo "$1" ;;
  esac
}

# p11_kind_of KIND: "tscns", "opensc" or "other" (what the checks expect of the labels).
p11_kind_of() {
  case $1 in
    tscns | opensc) echo "$1" ;;
    *)
      case $(basename "$1") in
        tscns-pkcs11*) echo tscns ;;
        opensc-pkcs11*) echo opensc ;;
        *) echo other ;;
      esac
      ;;
  esac
}

# p11_uri_escape STRING: percent-encodes STRING for a PKCS#11 URI attribute (RFC 7512: everything
# but the unreserved characters).
p11_uri_escape() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# p11_field FILE NAME: the value of the first "NAME : value" line that pkcs11-tool printed
# (e.g. "token label", "serial num"), trailing blanks removed.
p11_field() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*:[[:space:]]*//p" "$1" | head -n 1 | sed 's/[[:space:]]*$//'
}

# p11_setup PROFILE KIND [run options...]: personalizes a card (fixed seed), starts pcscd and the
# card in vpcd slot 0 with an APDU log, and reads the token and certificate labels through the
# module. Sets P11_MODULE, P11_KIND, CARD, PIN, CARD_ID, HOLDER, TOKEN_LABEL, CERT_LABEL, KEY_ID,
# APDU_LOG, PUB_PEM, KEY_BITS.
p11_setup() {
  local profile=$1 kind=$2
  shift 2
  P11_MODULE=$(p11_module_path "$kind")
  P11_KIND=$(p11_kind_of "$kind")
  [[ -f $P11_MODULE ]] || e2e_fail "module $P11_MODULE not found (is target tscns-pkcs11 built and staged?)"
  CARD=$E2E_TMP/card
  # P11_NEW_ARGS: more `tscns-vcard new` options (words), e.g. the card-quirk options.
  # shellcheck disable=SC2086
  e2e_new_card "$CARD" --profile "$profile" --seed "${P11_SEED:-1234}" ${P11_NEW_ARGS:-}
  PIN=$(e2e_json "$CARD" pin)
  CARD_ID=$(e2e_json "$CARD" cardId)
  HOLDER="$(e2e_json "$CARD" givenName) $(e2e_json "$CARD" surname)"
  KEY_BITS=$(e2e_json "$CARD" keyBits)
  PUB_PEM=$E2E_TMP/pub.pem
  openssl x509 -in "$CARD/cert.pem" -pubkey -noout >"$PUB_PEM"
  APDU_LOG=$E2E_TMP/apdu.log
  e2e_start_pcscd
  e2e_start_card "$CARD" 0 --apdu-log "$APDU_LOG" "$@"
  e2e_log "module $P11_MODULE ($P11_KIND), profile $profile, card $CARD_ID, holder $HOLDER"

  pkcs11-tool --module "$P11_MODULE" --list-token-slots >"$E2E_TMP/slots.txt" 2>&1 \
    || { cat "$E2E_TMP/slots.txt" >&2; e2e_fail "pkcs11-tool --list-token-slots failed"; }
  TOKEN_LABEL=$(p11_field "$E2E_TMP/slots.txt" "token label")
  [[ -n $TOKEN_LABEL ]] || { cat "$E2E_TMP/slots.txt" >&2; e2e_fail "no token found"; }
  pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL" --list-objects --type cert \
    >"$E2E_TMP/certobj.txt" 2>&1 || { cat "$E2E_TMP/certobj.txt" >&2; e2e_fail "cannot list the certificate"; }
  CERT_LABEL=$(p11_field "$E2E_TMP/certobj.txt" "label")
  KEY_ID=$(p11_field "$E2E_TMP/certobj.txt" "ID")
  [[ -n $CERT_LABEL && -n $KEY_ID ]] || { cat "$E2E_TMP/certobj.txt" >&2; e2e_fail "certificate without label or ID"; }
  e2e_log "token '$TOKEN_LABEL', certificate '$CERT_LABEL', CKA_ID $KEY_ID"
}

# p11_uri [ATTR=VALUE...]: a PKCS#11 URI for the token (token label escaped), plus the given
# attributes (already escaped), e.g. p11_uri "id=%01" type=private.
p11_uri() {
  local uri a
  uri="pkcs11:token=$(p11_uri_escape "$TOKEN_LABEL")"
  for a in "$@"; do uri+=";$a"; done
  printf '%s' "$uri"
}

# p11_id_uri: "id=%01%02..." for KEY_ID.
p11_id_uri() {
  local out="" i
  for ((i = 0; i < ${#KEY_ID}; i += 2)); do out+="%${KEY_ID:i:2}"; done
  printf 'id=%s' "$out"
}

# p11_pso_count: the number of PERFORM SECURITY OPERATION (INS 2A, P1-P2 80 86: decipher, the raw
# RSA operation of a CNS) commands in the APDU log so far.
p11_pso_count() {
  [[ -f $APDU_LOG ]] || { echo 0; return 0; }
  awk '$2 == ">" && $4 == "2A" && $5 == "80" && $6 == "86" { n++ } END { print n + 0 }' "$APDU_LOG"
}

# ---- Mutual TLS against openssl s_server ----

# p11_make_server_cert: a throwaway self-signed server certificate for 127.0.0.1
# (SERVER_PEM, SERVER_KEY); clients trust it as their CA.
p11_make_server_cert() {
  SERVER_PEM=$E2E_TMP/server.pem
  SERVER_KEY=$E2E_TMP/server.key
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SERVER_KEY" -out "$SERVER_PEM" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >"$E2E_TMP/server-cert.txt" 2>&1 \
    || { cat "$E2E_TMP/server-cert.txt" >&2; e2e_fail "cannot make the server certificate"; }
}

SERVER_PID=""
# p11_start_server NAME VERSION [s_server options...]: starts `openssl s_server -www -naccept 1
# -Verify 1` on 127.0.0.1 with a port the kernel picks, requiring a client certificate issued by
# the card's CA; VERSION is tls1_2 or tls1_3. Sets SERVER_PORT, SERVER_PID, SERVER_LOG.
p11_start_server() {
  local name=$1 version=$2 i
  shift 2
  # A new file each time: the background child truncates it only after the fork, so a reused
  # name could still show the previous server's ACCEPT line to the loop below.
  P11_SERVER_COUNT=$((${P11_SERVER_COUNT:-0} + 1))
  SERVER_LOG=$E2E_TMP/server-$name-$P11_SERVER_COUNT.log
  rm -f "$SERVER_LOG"
  openssl s_server -accept 127.0.0.1:0 -cert "$SERVER_PEM" -key "$SERVER_KEY" \
    -CAfile "$CARD/ca.pem" -Verify 1 "-$version" -www -naccept 1 "$@" >"$SERVER_LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_PORT=""
  for i in $(seq 200); do
    SERVER_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$SERVER_LOG" 2>/dev/null || true)
    [[ -n $SERVER_PORT ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$SERVER_LOG" >&2 2>/dev/null || true
  e2e_fail "openssl s_server did not start"
}

# p11_stop_server: stops the server if it still runs (it exits by itself after one connection).
p11_stop_server() {
  local i
  [[ -n $SERVER_PID ]] || return 0
  for i in $(seq 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
  e2e_stop_pid "$SERVER_PID"
  SERVER_PID=""
}

# The HTTP request every client sends; s_server -www answers with its session report, which
# holds the protocol, the peer signature type and the client certificate.
p11_request() {
  P11_REQUEST=$E2E_TMP/request.txt
  printf 'GET / HTTP/1.0\r\n\r\n' >"$P11_REQUEST"
}

# p11_nss_prepare: an NSS database with the module (p11_nss_db) that trusts the server certificate
# (after p11_tls_prepare), and the check that NSS sees the token's certificate as a user
# certificate (its key found by CKA_ID). Sets P11_TSTCLNT: the tstclnt command for p11_handshake.
p11_nss_prepare() {
  local nickname="$TOKEN_LABEL:$CERT_LABEL"
  p11_nss_db
  certutil -A -d "$NSS_DB" -n e2e-server -t "CT,," -i "$SERVER_PEM" >"$E2E_TMP/certutil-A.log" 2>&1 \
    || { cat "$E2E_TMP/certutil-A.log" >&2; e2e_fail "certutil -A"; }
  certutil -L -d "$NSS_DB" -h all -f "$PIN_FILE" >"$E2E_TMP/certutil-L.txt" 2>&1 || true
  p11__nss_user_cert() {
    grep -Fq "$1" "$E2E_TMP/certutil-L.txt" && grep -F "$1" "$E2E_TMP/certutil-L.txt" | grep -q "u,u,u" \
      || { cat "$E2E_TMP/certutil-L.txt" >&2; return 1; }
  }
  e2e_check "certutil -L: '$nickname' is a user certificate (key found)" p11__nss_user_cert "$nickname"
  P11_TSTCLNT=(tstclnt -h 127.0.0.1 -p @PORT@ -d "$NSS_DB" -n "$nickname" -W "$PIN_FILE")
}

# p11_tls_prepare: the server certificate and the request for p11_handshake, the card's
# certificate subject and DER (P11_SUBJECT, P11_CARD_DER); the server is stopped at exit.
p11_tls_prepare() {
  p11_make_server_cert
  p11_request
  e2e_at_exit p11_stop_server
  P11_SUBJECT=$(openssl x509 -in "$CARD/cert.pem" -noout -subject | sed 's/^subject=//')
  P11_CARD_DER=$E2E_TMP/card-cert.der
  openssl x509 -in "$CARD/cert.pem" -outform DER >"$P11_CARD_DER"
}

# p11_handshake NAME VERSION SIGTYPE CLIENT_COMMAND...: one connection to a fresh s_server
# (after p11_tls_prepare); each step is an e2e_check.
# VERSION: tls1_2 | tls1_3; SIGTYPE: what s_server must report as "Peer signature type".
# @PORT@ in the command becomes the server's port.
p11_handshake() {
  local name=$1 version=$2 sigtype=$3 rc=0 pso_before
  shift 3
  p11_start_server "$name" "$version"
  pso_before=$(p11_pso_count)
  local client_out=$E2E_TMP/client-$name.txt
  local cmd=("${@//@PORT@/$SERVER_PORT}")
  e2e_log "$name: ${cmd[*]}"
  timeout 120 "${cmd[@]}" <"$P11_REQUEST" >"$client_out" 2>&1 || rc=$?
  p11_stop_server
  client_ok() { ((rc == 0)) || { e2e_log "exit status $rc"; tail -n 30 "$client_out" >&2; return 1; }; }
  e2e_check "$name: client completes the exchange" client_ok
  local want=TLSv1.3
  [[ $version == tls1_2 ]] && want=TLSv1.2
  e2e_check "$name: s_server reports New, $want" grep -q "^New, $want, Cipher is" "$client_out"
  verified() { # s_server's verify callback accepted the card's certificate at depth 0
    grep -A1 -F "depth=0 $P11_SUBJECT" "$SERVER_LOG" | grep -q "verify return:1" \
      || { cat "$SERVER_LOG" >&2; return 1; }
  }
  e2e_check "$name: server verified the card's certificate" verified
  page_cert() { # the client certificate in s_server's report is the card's
    sed -n '/^Client certificate/,/^-----END CERTIFICATE-----/p' "$client_out" | sed 1d \
      | openssl x509 -outform DER 2>/dev/null | cmp -s - "$P11_CARD_DER"
  }
  e2e_check "$name: s_server's report shows the card's certificate" page_cert
  e2e_check "$name: peer signature type $sigtype" grep -qx "Peer signature type: $sigtype" "$client_out"
  signed() { (($(p11_pso_count) > pso_before)) || { e2e_log "no PSO (2A 80 86) during the handshake"; return 1; }; }
  e2e_check "$name: the card signed (PSO in the APDU log)" signed
}

# p11_nss_db: an NSS database in a temp dir with the module registered as "tscns-e2e".
# Sets NSS_DB (sql:DIR) and PIN_FILE.
p11_nss_db() {
  local dir=$E2E_TMP/nssdb
  mkdir -p "$dir"
  NSS_DB=sql:$dir
  PIN_FILE=$E2E_TMP/pin.txt
  printf '%s\n' "$PIN" >"$PIN_FILE"
  certutil -N -d "$NSS_DB" --empty-password >"$E2E_TMP/certutil-N.log" 2>&1 \
    || { cat "$E2E_TMP/certutil-N.log" >&2; e2e_fail "certutil -N"; }
  modutil -dbdir "$NSS_DB" -add tscns-e2e -libfile "$P11_MODULE" -force >"$E2E_TMP/modutil-add.log" 2>&1 \
    || { cat "$E2E_TMP/modutil-add.log" >&2; e2e_fail "modutil -add"; }
}
