#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# p11-kit finds the module through a module file, and GnuTLS's p11tool lists the token, its
# certificate and (after login) its private key (docs/pkcs11-clients.md §3.3).
# p11-kit reads module files only from its system directories (the user directory is ignored as
# root), so the test writes /etc/pkcs11/modules/tscns-e2e.module with the module's absolute path
# and removes it on exit. A leftover from a crashed run is simply overwritten.
# Usage: p11_kit.sh PROFILE [tscns|opensc|MODULE_PATH]   (default tscns = $TSCNS_MODULE)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p11_lib.sh"
profile=${1:?profile}
p11_setup "$profile" "${2:-tscns}"
out=$E2E_TMP

# The staged p11-kit file that `cmake --install` ships (module: tscns-pkcs11.so, relative to
# p11-kit's module directory).
if [[ $P11_KIND == tscns && -n ${TSCNS_STAGE:-} ]]; then
  staged=$TSCNS_STAGE/share/p11-kit/modules/tscns.module
  e2e_check "staged $staged exists" test -f "$staged"
  staged_names_module() {
    local m
    m=$(sed -n 's/^[[:space:]]*module[[:space:]]*:[[:space:]]*//p' "$staged" | sed 's/[[:space:]]*$//')
    [[ $(basename "$m") == "$(basename "$P11_MODULE")" ]] \
      || { e2e_log "tscns.module says module: '$m'"; return 1; }
  }
  e2e_check "tscns.module names $(basename "$P11_MODULE")" staged_names_module
fi

# Register the module for p11-kit. OpenSC's own packaged file already names opensc-pkcs11.so, and
# p11-kit drops a module registered twice, so for OpenSC the test uses that file.
moddir=/etc/pkcs11/modules
modname=tscns-e2e
created_dirs=()
if [[ $P11_KIND == opensc && -f /usr/share/p11-kit/modules/opensc-pkcs11.module ]]; then
  modname=opensc-pkcs11
else
  for d in /etc/pkcs11 "$moddir"; do
    [[ -d $d ]] || { mkdir "$d"; created_dirs=("$d" "${created_dirs[@]}"); }
  done
  modfile=$moddir/$modname.module
  unregister() {
    rm -f "$modfile"
    local d
    for d in "${created_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
    return 0
  }
  e2e_at_exit unregister
  printf '# Written by tscns tests/e2e/p11_kit.sh; removed when it exits.\nmodule: %s\n' \
    "$P11_MODULE" >"$modfile"
fi

p11-kit list-modules >"$out/list-modules.txt" 2>&1 || true
listed() {
  awk -v name="$modname:" '$1 == name { p = 1; print; next } /^[^[:space:]]/ { p = 0 } p' \
    "$out/list-modules.txt" >"$out/our-module.txt"
  [[ -s $out/our-module.txt ]] || { cat "$out/list-modules.txt" >&2; return 1; }
}
e2e_check "p11-kit list-modules shows $modname" listed
e2e_check "p11-kit list-modules: $modname has token '$TOKEN_LABEL'" \
  grep -Fq "token: $TOKEN_LABEL" "$out/our-module.txt"
e2e_check "p11-kit list-modules: token serial = cardId" grep -Eq "serial-number: $CARD_ID\$" "$out/our-module.txt"

token_uri=$(p11_uri)
p11tool --list-tokens >"$out/tokens.txt" 2>&1 || true
token_listed() { # a token block with our label, serial and module file
  local module
  module=$(basename "$P11_MODULE")
  # GnuTLS lists a token once even when two copies of one module (other) serve it.
  [[ $P11_KIND == other ]] && module=""
  awk -v label="$TOKEN_LABEL" -v serial="$CARD_ID" -v module="$module" '
    /^Token [0-9]+:/ { l = s = 0; m = (module == "") }
    $0 ~ /^[[:space:]]*Label: / { sub(/^[[:space:]]*Label: /, ""); l = ($0 == label) }
    $0 ~ /^[[:space:]]*Serial: / { sub(/^[[:space:]]*Serial: /, ""); s = ($0 == serial) }
    $0 ~ /^[[:space:]]*Module: / { n = split($0, p, "/"); sub(/^[[:space:]]*Module: /, "", p[n]); m = m || (p[n] == module) }
    l && s && m { found = 1 }
    END { exit !found }' "$out/tokens.txt" || { cat "$out/tokens.txt" >&2; return 1; }
}
e2e_check "p11tool --list-tokens: '$TOKEN_LABEL', serial $CARD_ID, module $(basename "$P11_MODULE")" token_listed

p11tool --list-all "$token_uri" >"$out/all.txt" 2>&1 || true
e2e_check "p11tool --list-all: certificate" grep -Eq "Type: X\.509 Certificate" "$out/all.txt"
e2e_check "p11tool --list-all: public key" grep -Eq "Type: Public key" "$out/all.txt"
p11tool --list-all-certs "$token_uri" >"$out/certs.txt" 2>&1 || true
e2e_check "p11tool --list-all-certs: label '$CERT_LABEL'" grep -Fq "Label: $CERT_LABEL" "$out/certs.txt"
cert_uri=$(p11_uri "$(p11_id_uri)" type=cert)
p11tool --export "$cert_uri" >"$out/exported.pem" 2>"$out/export.err" || true
e2e_check "p11tool --export $cert_uri = cert.pem" \
  cmp -s <(openssl x509 -in "$out/exported.pem" -outform DER 2>/dev/null) <(openssl x509 -in "$CARD/cert.pem" -outform DER)
GNUTLS_PIN=$PIN p11tool --login --list-all-privkeys "$token_uri" >"$out/privkeys.txt" 2>&1 || true
e2e_check "p11tool --login --list-all-privkeys: private key" grep -Eq "Type: Private key" "$out/privkeys.txt"
e2e_check "p11tool --login --list-all-privkeys: CKA_ID $KEY_ID" \
  grep -Eiq "ID: $(sed 's/../&:/g; s/:$//' <<<"$KEY_ID")\$" "$out/privkeys.txt"

# p11-kit's proxy module serves the same token to any PKCS#11 application.
proxy=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null || true)
[[ -f $proxy ]] || proxy=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/p11-kit-proxy.so
pkcs11-tool --module "$proxy" -L >"$out/proxy.txt" 2>&1 || true
e2e_check "pkcs11-tool through p11-kit-proxy.so sees the token" \
  grep -Eq "token label[[:space:]]*: $(sed 's/[][\.*^$()+?{}|]/\\&/g' <<<"$TOKEN_LABEL")\$" "$out/proxy.txt"

e2e_summary
