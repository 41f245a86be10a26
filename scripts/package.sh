#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian packages (tscns, tscnsd, libtscns-verifier-dev, tscns-portal, tscns-vcard)
# with CPack and checks each with lintian (errors fail, warnings are printed). docs/packages.md.
# Usage: scripts/package.sh [--build-dir DIR] [--out DIR] [--jobs N]
#   --build-dir DIR  build tree (default build-deb next to the sources); reused: incremental
#   --out DIR        where the .deb files go (default DIR/packages of the build tree)
# Prints the paths of the packages, one per line, on standard output (the rest goes to stderr).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-deb
out=""
jobs=$(nproc 2>/dev/null || echo 2)
while (($#)); do
  case $1 in
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    -h | --help) sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$build"
build=$(cd "$build" && pwd)
out=${out:-$build/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf '[package] %s\n' "$*" >&2; }

for tool in dpkg-deb dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install dpkg-dev fakeroot)"; exit 1; }
done
if ! command -v lintian >/dev/null; then
  log "installing lintian"
  if [[ $(id -u) == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lintian >&2
  else
    log "lintian is missing and only root can install it (apt-get install lintian)"; exit 1
  fi
fi

# Debian's hardening flags (format checks, stack protector, fortify, relro, now), without -g:
# CPack strips the binaries anyway.
flags() { dpkg-buildflags --get "$1" | sed 's/\(^\| \)-g\( \|$\)/ /g'; }
CFLAGS="$(flags CFLAGS) $(flags CPPFLAGS)"
CXXFLAGS="$(flags CXXFLAGS) $(flags CPPFLAGS)"
LDFLAGS=$(flags LDFLAGS)
export CFLAGS CXXFLAGS LDFLAGS

log "configuring $build (prefix /usr, Release, tests off)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DTSCNS_BUILD_TESTS=OFF -DTSCNS_BUILD_BENCH=OFF -DTSCNS_FUZZ=OFF -DTSCNS_SANITIZE= \
  -DCPACK_PACKAGE_DIRECTORY="$out" >&2
log "building (-j$jobs)"
cmake --build "$build" -j"$jobs" >&2
log "running cpack"
rm -f "$out"/*.deb
(cd "$build" && cpack -G DEB -B "$out" >&2)
rm -rf "$out/_CPack_Packages"

mapfile -t debs < <(find "$out" -maxdepth 1 -name '*.deb' | sort)
((${#debs[@]} == 5)) || { log "expected 5 packages in $out, got ${#debs[@]}"; exit 1; }
failed=0
for deb in "${debs[@]}"; do
  # --no-tag-display-limit: every occurrence; errors fail the build, warnings are shown.
  report=$(lintian --no-tag-display-limit "$deb" 2>&1) || true
  if grep -q '^E: ' <<<"$report"; then
    log "lintian errors in $(basename "$deb"):"
    grep '^E: ' <<<"$report" >&2
    failed=1
  fi
  if grep -q '^W: ' <<<"$report"; then
    log "lintian warnings in $(basename "$deb"):"
    grep '^W: ' <<<"$report" >&2
  fi
done
((failed == 0)) || { log "lintian found errors"; exit 1; }
log "lintian: no errors"
printf '%s\n' "${debs[@]}"
