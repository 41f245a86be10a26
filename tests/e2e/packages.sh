#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The five Debian packages (docs/packages.md) on this machine: scripts/package.sh builds them
# (lintian clean), apt-get installs them, then the installed files and programs are checked: the
# tools run, pkcs11-tool lists a virtual card's certificate through the installed module and
# p11-kit knows the module, the installed tscnsd signs a token that examples/verifier-consumer,
# built against libtscns-verifier-dev with CMake and with pkg-config, verifies (and a malformed
# or replayed one it rejects). Finally apt-get purge, and nothing of the packages may remain (no
# package, /etc/tscns, system user, or file of theirs). Whatever happens, the exit hook purges
# the packages and whatever their installation pulled in.
#
# Usage: packages.sh DEB_BUILD_DIR TSCNS_TEST_PINENTRY (as root; packages.cmake passes them).
set -euo pipefail
t0=$(date +%s)
deb_build=${1:?usage: packages.sh DEB_BUILD_DIR TSCNS_TEST_PINENTRY}
TSCNS_TEST_PINENTRY=${2:?usage: packages.sh DEB_BUILD_DIR TSCNS_TEST_PINENTRY}
src=${TSCNS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [[ $(id -u) != 0 ]]; then
  echo "[e2e] FAIL: packages.sh installs and purges Debian packages: it must run as root" >&2
  exit 1
fi
pkgs=(tscns tscnsd libtscns-verifier-dev tscns-portal tscns-vcard)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
module=/usr/lib/$ma/pkcs11/tscns-pkcs11.so

# Our packages dpkg knows in any state but "not installed" (config-files counts).
our_packages() {
  dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\n' 2>/dev/null \
    | awk -F'\t' '$2 ~ /^(lib)?tscns/ && $1 !~ /^.n/ { print $2 }'
}
installed_set() { dpkg-query -W -f '${db:Status-Abbrev} ${Package}:${Architecture}\n' | awk '$1 ~ /^.i/ { print $2 }' | sort; }

# --- before: a machine without them
present=$(our_packages)
[[ -z $present ]] || { echo "[e2e] FAIL: tscns packages already installed: $present (purge them first)" >&2; exit 1; }
! getent passwd tscns-portal >/dev/null || { echo "[e2e] FAIL: the user tscns-portal already exists" >&2; exit 1; }
[[ ! -e /etc/tscns ]] || { echo "[e2e] FAIL: /etc/tscns already exists" >&2; exit 1; }

# --- build (before taking the vpcd lock: other e2e tests may run meanwhile)
out=$(mktemp -d "${TMPDIR:-/tmp}/tscns-debs.XXXXXX")
trap 'rm -rf "$out"' EXIT
echo "[e2e] building the packages in $deb_build" >&2
if ! "$src/scripts/package.sh" --build-dir "$deb_build" --out "$out/debs" --jobs 2 \
  >"$out/debs.list" 2>"$out/package.log"; then
  tail -n 60 "$out/package.log" >&2
  echo "[e2e] FAIL: scripts/package.sh" >&2
  exit 1
fi
grep -E '^(W|E): ' "$out/package.log" >&2 || true
t_built=$(date +%s)
mapfile -t debs <"$out/debs.list"

# The installed programs from here on.
export TSCNS_VCARD=/usr/bin/tscns-vcard TSCNSD=/usr/bin/tscnsd TSCNS_TEST_PINENTRY
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
e2e_at_exit 'rm -rf "$out"'
installed_set >"$out/before.txt"

# Exit hook: stop what runs from /usr/bin, purge our packages and what their installation
# added, whatever state the test stopped in.
pk_restore() {
  local left added
  d_stop
  for pid in "${E2E_CARD_PIDS[@]}"; do e2e_stop_pid "$pid"; done
  E2E_CARD_PIDS=()
  left=$(our_packages | tr '\n' ' ')
  if [[ -n ${left// /} ]]; then
    e2e_log "restore: purging $left"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -o DPkg::Lock::Timeout=300 $left >>"$E2E_TMP/apt.log" 2>&1 \
      || dpkg --purge --force-all $left >>"$E2E_TMP/apt.log" 2>&1
  fi
  added=$(comm -13 "$out/before.txt" <(installed_set) | tr '\n' ' ')
  if [[ -n ${added// /} ]]; then
    e2e_log "restore: purging what the installation pulled in: $added"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -o DPkg::Lock::Timeout=300 $added >>"$E2E_TMP/apt.log" 2>&1 || true
  fi
  if getent passwd tscns-portal >/dev/null; then deluser --system --quiet tscns-portal || true; fi
  if getent group tscns-portal >/dev/null; then delgroup --system --quiet tscns-portal || true; fi
  true
}
e2e_at_exit pk_restore

e2e_check "scripts/package.sh made the five packages" test "${#debs[@]}" -eq 5
for p in "${pkgs[@]}"; do
  e2e_check "package $p built" bash -c "printf '%s\n' \"\$@\" | grep -q '/${p}_[^/]*\\.deb$'" _ "${debs[@]}"
done

# --- install (dependencies from the mirror)
e2e_log "apt-get install ${debs[*]##*/}"
# apt_get ARGS...: apt-get, its output in apt.log.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -y -o DPkg::Lock::Timeout=300 "$@" >>"$E2E_TMP/apt.log" 2>&1; }
e2e_check "apt-get install the five packages" apt_get install --no-install-recommends "${debs[@]}"
for p in "${pkgs[@]}"; do
  e2e_check "$p is installed" bash -c "dpkg-query -W -f '\${db:Status-Abbrev}' $p | grep -q '^ii'"
  dpkg -L "$p" >"$out/$p.files"
done

# has PACKAGE PATH: dpkg -L PACKAGE lists PATH, and it exists.
has() { grep -qx "$2" "$out/$1.files" && [[ -e $2 ]] || { e2e_log "$1 lacks $2"; return 1; }; }
depends_on() { dpkg-query -W -f '${Depends}' "$1" | grep -Eq "(^|[ ,|])$2( |,|$)" || { e2e_log "$1 Depends: $(dpkg-query -W -f '${Depends}' "$1")"; return 1; }; }
for f in /usr/bin/tscns "$module" /usr/share/p11-kit/modules/tscns.module /usr/share/doc/tscns/copyright \
  /usr/share/doc/tscns/changelog.Debian.gz; do
  e2e_check "tscns: $f" has tscns "$f"
done
for f in /usr/bin/tscnsd /usr/lib/systemd/user/tscnsd.service /usr/share/tscns/web/cns-auth.js \
  /etc/tscns/tscnsd.example.json /usr/share/doc/tscnsd/copyright; do
  e2e_check "tscnsd: $f" has tscnsd "$f"
done
for f in /usr/include/tscns/verifier/verifier.hpp /usr/include/tscns/cnsauth/token.hpp \
  /usr/include/tscns/apdu/bytes.hpp /usr/lib/"$ma"/libtscns_verifier.a /usr/lib/"$ma"/libtscns_cnsauth.a \
  /usr/lib/"$ma"/libtscns_apdu.a /usr/lib/"$ma"/cmake/tscns/tscnsConfig.cmake \
  /usr/lib/"$ma"/cmake/tscns/tscnsConfigVersion.cmake /usr/lib/"$ma"/cmake/tscns/tscnsVerifierTargets.cmake \
  /usr/lib/"$ma"/pkgconfig/tscns-verifier.pc /usr/share/doc/libtscns-verifier-dev/copyright; do
  e2e_check "libtscns-verifier-dev: $f" has libtscns-verifier-dev "$f"
done
for f in /usr/bin/tscns-portal /lib/systemd/system/tscns-portal.service /usr/share/doc/tscns-portal/copyright; do
  e2e_check "tscns-portal: $f" has tscns-portal "$f"
done
e2e_check "tscns-vcard: /usr/bin/tscns-vcard" has tscns-vcard /usr/bin/tscns-vcard
e2e_check "tscnsd's example is a conffile" bash -c "dpkg-query -W -f '\${Conffiles}' tscnsd | grep -q '/etc/tscns/tscnsd.example.json'"
e2e_check "tscns depends on pcscd" depends_on tscns pcscd
e2e_check "tscns depends on libpcsclite1 (shlibdeps)" depends_on tscns libpcsclite1
e2e_check "tscnsd depends on a pinentry" depends_on tscnsd pinentry
e2e_check "tscns-portal depends on adduser" depends_on tscns-portal adduser
e2e_check "the p11-kit file names the module" grep -Eq "^module: *(tscns-pkcs11\\.so|$module)\$" \
  /usr/share/p11-kit/modules/tscns.module
e2e_check "tscns-portal.service runs /usr/bin/tscns-portal as tscns-portal" bash -c \
  "grep -qx 'ExecStart=/usr/bin/tscns-portal serve \$TSCNS_PORTAL_OPTIONS' /lib/systemd/system/tscns-portal.service \
   && grep -qx 'User=tscns-portal' /lib/systemd/system/tscns-portal.service"
e2e_check "tscnsd.service runs /usr/bin/tscnsd" grep -qx 'ExecStart=/usr/bin/tscnsd' /usr/lib/systemd/user/tscnsd.service
portal_user() {
  local uid shell
  IFS=: read -r _ _ uid _ _ _ shell < <(getent passwd tscns-portal) || return 1
  ((uid < 1000)) && [[ $shell == */nologin || $shell == */false ]] || { e2e_log "tscns-portal: uid $uid shell $shell"; return 1; }
}
e2e_check "postinst created the system user tscns-portal" portal_user

# --- the installed programs
e2e_check "tscns --version" bash -c "/usr/bin/tscns --version | grep -q '[0-9]\\.[0-9]'"
e2e_check "tscns-vcard profiles" bash -c "/usr/bin/tscns-vcard profiles | grep -q st-cns11"
e2e_check "tscnsd --help" bash -c "/usr/bin/tscnsd --help | grep -q -- --pinentry"
e2e_check "tscns-portal --help" bash -c "/usr/bin/tscns-portal --help | grep -q serve"

# --- the installed module and a virtual card
card=$E2E_TMP/card
pin=24680135
e2e_new_card "$card" --profile st-cns11 --seed 61 --pin "$pin"
cf=$(e2e_json "$card" codiceFiscale)
e2e_start_pcscd
e2e_start_card "$card" 0
e2e_check "pkcs11-tool -O through the installed module lists the certificate" bash -c \
  "pkcs11-tool --module '$module' -O 2>&1 | tee '$E2E_TMP/p11-objects.log' | grep -q 'Certificate Object'"
e2e_check "p11-kit list-modules shows the tscns module" bash -c \
  "p11-kit list-modules 2>&1 | tee '$E2E_TMP/p11-kit.log' | grep -Eq '^tscns: (tscns-pkcs11\.so|$module)\$'"

# --- a real token from the installed tscnsd (scripted pinentry of the build tree)
d_start --rate-limit 0
d_wait_card_present true || e2e_fail "the installed tscnsd does not see the card"
d_pinentry --pin "$pin"
context=fse-login-2fa
ch=$(d_challenge)
D_MAX_TIME=60 d_call POST /v1/authenticate "$(d_auth_body "$ch" "$context")" >/dev/null
e2e_check "the installed tscnsd signs a token (200)" test "$D_STATUS" = 200
jq .token "$D_BODY" >"$E2E_TMP/token.json"
d_stop
e2e_make_crl "$card" "$E2E_TMP/empty.crl" || e2e_fail "openssl ca -gencrl"
echo '{"version":"cns-auth:1"}' >"$E2E_TMP/malformed.json"

# --- examples/verifier-consumer against the installed libtscns-verifier-dev
t_c=$(date +%s)
logged() { "$@" >>"$E2E_TMP/consumer.log" 2>&1; }
e2e_check "the consumer configures with find_package(tscns COMPONENTS verifier)" \
  logged cmake -S "$src/examples/verifier-consumer" -B "$E2E_TMP/consumer" -DCMAKE_BUILD_TYPE=Release
e2e_check "the consumer builds with CMake" logged cmake --build "$E2E_TMP/consumer"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
e2e_check "the consumer builds with pkg-config (one c++ command)" \
  logged c++ -std=c++20 -O1 -o "$E2E_TMP/consumer-pc" "$src/examples/verifier-consumer/main.cpp" \
  $(pkg-config --static --cflags --libs tscns-verifier)
e2e_log "consumer builds: $(($(date +%s) - t_c)) s"
# consume BINARY EXPECTED_EXIT PATTERN TOKEN [CHALLENGE]
consume() {
  local rc=0
  "$1" "$card/ca.pem" "$4" "$D_ORIGIN" "${5:-$ch}" "$context" --crl "$E2E_TMP/empty.crl" --cf "$cf" \
    >"$E2E_TMP/consume.out" 2>&1 || rc=$?
  [[ $rc == "$2" ]] && grep -q "$3" "$E2E_TMP/consume.out" \
    || { e2e_log "exit $rc (want $2): $(cat "$E2E_TMP/consume.out")"; return 1; }
}
for bin in "$E2E_TMP/consumer/verifier-consumer" "$E2E_TMP/consumer-pc"; do
  name=${bin##*/}
  e2e_check "$name verifies the token" consume "$bin" 0 "^verified: codiceFiscale=$cf " "$E2E_TMP/token.json"
  e2e_check "$name rejects a malformed token" consume "$bin" 1 "^rejected: MALFORMED" "$E2E_TMP/malformed.json"
  e2e_check "$name rejects another session's challenge" consume "$bin" 1 "^rejected: BAD_SIGNATURE" \
    "$E2E_TMP/token.json" "$(d_challenge)"
done
mkdir -p "$E2E_TMP/unknown"
cat >"$E2E_TMP/unknown/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(unknown_component LANGUAGES CXX)
find_package(tscns REQUIRED COMPONENTS verifier portal)
CMAKE
unknown_component() {
  ! cmake -S "$E2E_TMP/unknown" -B "$E2E_TMP/unknown/build" >"$E2E_TMP/unknown.log" 2>&1 \
    && grep -q 'no component "portal"' "$E2E_TMP/unknown.log"
}
e2e_check "find_package(tscns COMPONENTS portal) fails naming the unknown component" unknown_component

# --- purge: nothing may remain
e2e_stop_card "$E2E_LAST_CARD_PID" 0
E2E_CARD_PIDS=()
cat "$out"/*.files | sort -u >"$out/all.files"
e2e_check "apt-get purge the five packages" apt_get purge "${pkgs[@]}"
e2e_check "no tscns package is left in dpkg" test -z "$(our_packages)"
e2e_check "no /etc/tscns" test ! -e /etc/tscns
e2e_check "no tscns-portal user" e2e_not getent passwd tscns-portal
e2e_check "no tscns-portal group" e2e_not getent group tscns-portal
e2e_check "no /var/lib/tscns-portal" test ! -e /var/lib/tscns-portal
no_files_left() {
  local f left=0
  while IFS= read -r f; do
    [[ -e $f && ! -d $f ]] && { e2e_log "left: $f"; left=1; }
  done <"$out/all.files"
  for f in /usr/include/tscns /usr/lib/"$ma"/cmake/tscns /usr/share/tscns /usr/share/doc/tscns \
    /usr/share/doc/tscnsd /usr/share/doc/tscns-portal /usr/share/doc/tscns-vcard \
    /usr/share/doc/libtscns-verifier-dev; do
    [[ -e $f ]] && { e2e_log "left: $f"; left=1; }
  done
  return "$left"
}
e2e_check "no file of the packages is left ($(wc -l <"$out/all.files") paths)" no_files_left
e2e_check "nothing else is left installed" test -z "$(comm -13 "$out/before.txt" <(installed_set))"

t_end=$(date +%s)
e2e_log "time: build $((t_built - t0)) s, install/check/purge $((t_end - t_built)) s, total $((t_end - t0)) s"
e2e_summary
