#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Mutual TLS with the card's key through the PKCS#11 module (pkcs11-clients.md §2.7 and §4):
# `openssl s_server -Verify 1 -www` on 127.0.0.1 requires a client certificate issued by the
# card's CA; NSS tstclnt, OpenSSL s_client with the libp11 engine and gnutls-cli connect with the
# token's certificate and key, in TLS 1.2 and 1.3. Each handshake must complete, the server must
# have verified the card's certificate, s_server's report must show the expected peer signature
# type, and the card's APDU log must show the PSO (2A 80 86) that made the client's signature.
# Usage: p11_tls.sh PROFILE [tscns|opensc|MODULE_PATH]   (default tscns = $TSCNS_MODULE)
# P11_TLS_CLIENTS="nss gnutls openssl" picks the clients (default: all three, in this order).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p11_lib.sh"
profile=${1:?profile}
p11_setup "$profile" "${2:-tscns}"
clients=${P11_TLS_CLIENTS:-nss gnutls openssl}
out=$E2E_TMP

p11_make_server_cert
p11_request
e2e_at_exit p11_stop_server
subject=$(openssl x509 -in "$CARD/cert.pem" -noout -subject | sed 's/^subject=//')
openssl x509 -in "$CARD/cert.pem" -outform DER >"$out/card-cert.der"

# handshake NAME VERSION SIGTYPE CLIENT_COMMAND...: one connection to a fresh s_server.
# VERSION: tls1_2 | tls1_3; SIGTYPE: what s_server must report as "Peer signature type".
# @PORT@ in the command becomes the server's port.
handshake() {
  local name=$1 version=$2 sigtype=$3 rc=0 pso_before
  shift 3
  p11_start_server "$name" "$version"
  pso_before=$(p11_pso_count)
  local client_out=$out/client-$name.txt
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
    grep -A1 -F "depth=0 $subject" "$SERVER_LOG" | grep -q "verify return:1" \
      || { cat "$SERVER_LOG" >&2; return 1; }
  }
  e2e_check "$name: server verified the card's certificate" verified
  page_cert() { # the client certificate in s_server's report is the card's
    sed -n '/^Client certificate/,/^-----END CERTIFICATE-----/p' "$client_out" | sed 1d \
      | openssl x509 -outform DER 2>/dev/null | cmp -s - "$out/card-cert.der"
  }
  e2e_check "$name: s_server's report shows the card's certificate" page_cert
  e2e_check "$name: peer signature type $sigtype" grep -qx "Peer signature type: $sigtype" "$client_out"
  signed() { (($(p11_pso_count) > pso_before)) || { e2e_log "no PSO (2A 80 86) during the handshake"; return 1; }; }
  e2e_check "$name: the card signed (PSO in the APDU log)" signed
}

nickname="$TOKEN_LABEL:$CERT_LABEL"
key_uri=$(p11_uri "object=$(p11_uri_escape "$CERT_LABEL")" type=private)

for client in $clients; do
  case $client in
    nss)
      p11_nss_db
      # Trust the server certificate, so tstclnt verifies the server instead of overriding (-o).
      certutil -A -d "$NSS_DB" -n e2e-server -t "CT,," -i "$SERVER_PEM" >"$out/certutil-A.log" 2>&1 \
        || { cat "$out/certutil-A.log" >&2; e2e_fail "certutil -A"; }
      certutil -L -d "$NSS_DB" -h all -f "$PIN_FILE" >"$out/certutil-L.txt" 2>&1 || true
      nss_user_cert() { # "TOKEN:LABEL  u,u,u": NSS found the certificate and its key (by CKA_ID)
        grep -Fq "$nickname" "$out/certutil-L.txt" && grep -F "$nickname" "$out/certutil-L.txt" | grep -q "u,u,u" \
          || { cat "$out/certutil-L.txt" >&2; return 1; }
      }
      e2e_check "certutil -L: '$nickname' is a user certificate (key found)" nss_user_cert
      tst=(tstclnt -h 127.0.0.1 -p @PORT@ -d "$NSS_DB" -n "$nickname" -W "$PIN_FILE")
      handshake nss-tls13 tls1_3 RSA-PSS "${tst[@]}" -V tls1.3:tls1.3
      # NSS prefers RSA-PSS in TLS 1.2 too when the token offers it (§0.2).
      handshake nss-tls12 tls1_2 RSA-PSS "${tst[@]}" -V tls1.2:tls1.2
      # Forced PKCS#1 v1.5: CKM_RSA_PKCS over a 51-byte DigestInfo.
      handshake nss-tls12-pkcs1 tls1_2 RSA "${tst[@]}" -V tls1.2:tls1.2 -J rsa_pkcs1_sha256
      ;;
    openssl)
      # The certificate as an application gets it: read through the module.
      pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL" --read-object --type cert \
        --id "$KEY_ID" --output-file "$out/client.der" >/dev/null 2>&1 || true
      openssl x509 -inform DER -in "$out/client.der" -out "$out/client.pem" 2>/dev/null || true
      e2e_check "pkcs11-tool exports the certificate" cmp -s "$out/client.der" "$out/card-cert.der"
      sc=(env "PKCS11_MODULE_PATH=$P11_MODULE" openssl s_client -connect 127.0.0.1:@PORT@
        -CAfile "$SERVER_PEM" -verify_return_error -engine pkcs11 -keyform engine
        -key "$key_uri;pin-value=$PIN" -cert "$out/client.pem" -quiet)
      # OpenSSL's default security level 2 refuses its own 1024-bit client key ("ee key too small").
      ((KEY_BITS < 2048)) && sc+=(-cipher "DEFAULT@SECLEVEL=1")
      handshake openssl-tls13 tls1_3 RSA-PSS "${sc[@]}" -tls1_3
      handshake openssl-tls12 tls1_2 RSA-PSS "${sc[@]}" -tls1_2
      ;;
    gnutls)
      gc=(env "GNUTLS_PIN=$PIN" gnutls-cli --provider "$P11_MODULE" --x509cafile "$SERVER_PEM"
        --x509certfile "$(p11_uri "$(p11_id_uri)" type=cert)"
        --x509keyfile "$(p11_uri "$(p11_id_uri)" type=private)" -p @PORT@ 127.0.0.1)
      handshake gnutls-tls13 tls1_3 RSA-PSS "${gc[@]}" --priority NORMAL:-VERS-ALL:+VERS-TLS1.3
      handshake gnutls-tls12 tls1_2 RSA-PSS "${gc[@]}" --priority NORMAL:-VERS-ALL:+VERS-TLS1.2
      ;;
    *) e2e_fail "unknown client $client" ;;
  esac
done

e2e_summary
