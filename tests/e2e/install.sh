#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `cmake --install build --prefix P` installs the tools; the installed tscns-vcard runs.
set -euo pipefail
: "${TSCNS_BUILD_DIR:?}"
prefix=$(mktemp -d "${TMPDIR:-/tmp}/tscns-prefix.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
cmake --install "$TSCNS_BUILD_DIR" --prefix "$prefix" >/dev/null
passed=0
for f in bin/tscns-vcard bin/tscns; do
  [[ -x $prefix/$f ]] || { echo "missing $prefix/$f"; echo "$passed passed, 1 failed"; exit 1; }
  passed=$((passed + 1))
done
"$prefix/bin/tscns-vcard" --help >/dev/null || { echo "installed tscns-vcard --help failed"; exit 1; }
"$prefix/bin/tscns-vcard" profiles | grep -q st-cns11 || { echo "profiles lacks st-cns11"; exit 1; }
passed=$((passed + 2))
echo "$passed passed, 0 failed"
