#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Mutual TLS with the card's key through the PKCS#11 module (docs/pkcs11-clients.md §2.7 and §4):
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

p11_tls_prepare

key_uri=$(p11_uri "object=$(p11_uri_escape "$CERT_LABEL")" type=private)

for client in $clients; do
  case $client in
    nss)
      p11_nss_prepare
      tst=("${P11_TSTCLNT[@]}")
      p11_handshake nss-tls13 tls1_3 RSA-PSS "${tst[@]}" -V tls1.3:tls1.3
      # NSS prefers RSA-PSS in TLS 1.2 too when the token offers it (§0.2).
      p11_handshake nss-tls12 tls1_2 RSA-PSS "${tst[@]}" -V tls1.2:tls1.2
      # Forced PKCS#1 v1.5: CKM_RSA_PKCS over a 51-byte DigestInfo.
      p11_handshake nss-tls12-pkcs1 tls1_2 RSA "${tst[@]}" -V tls1.2:tls1.2 -J rsa_pkcs1_sha256
      ;;
    openssl)
      # The certificate as an application gets it: read through the module.
      pkcs11-tool --module "$P11_MODULE" --token-label "$TOKEN_LABEL" --read-object --type cert \
        --id "$KEY_ID" --output-file "$out/client.der" >/dev/null 2>&1 || true
      openssl x509 -inform DER -in "$out/client.der" -out "$out/client.pem" 2>/dev/null || true
      e2e_check "pkcs11-tool exports the certificate" cmp -s "$out/client.der" "$P11_CARD_DER"
      sc=(env "PKCS11_MODULE_PATH=$P11_MODULE" openssl s_client -connect 127.0.0.1:@PORT@
        -CAfile "$SERVER_PEM" -verify_return_error -engine pkcs11 -keyform engine
        -key "$key_uri;pin-value=$PIN" -cert "$out/client.pem" -quiet)
      # OpenSSL's default security level 2 refuses its own 1024-bit client key ("ee key too small").
      ((KEY_BITS < 2048)) && sc+=(-cipher "DEFAULT@SECLEVEL=1")
      p11_handshake openssl-tls13 tls1_3 RSA-PSS "${sc[@]}" -tls1_3
      p11_handshake openssl-tls12 tls1_2 RSA-PSS "${sc[@]}" -tls1_2
      ;;
    gnutls)
      gc=(env "GNUTLS_PIN=$PIN" gnutls-cli --provider "$P11_MODULE" --x509cafile "$SERVER_PEM"
        --x509certfile "$(p11_uri "$(p11_id_uri)" type=cert)"
        --x509keyfile "$(p11_uri "$(p11_id_uri)" type=private)" -p @PORT@ 127.0.0.1)
      p11_handshake gnutls-tls13 tls1_3 RSA-PSS "${gc[@]}" --priority NORMAL:-VERS-ALL:+VERS-TLS1.3
      p11_handshake gnutls-tls12 tls1_2 RSA-PSS "${gc[@]}" --priority NORMAL:-VERS-ALL:+VERS-TLS1.2
      ;;
    *) e2e_fail "unknown client $client" ;;
  esac
done

e2e_summary
