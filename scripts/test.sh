#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what is missing, builds (normal and ASan+UBSan), checks formatting, and runs every test:
# the unit tier under the sanitizers, the PKCS#11 thread tests under TSan, then all tiers (unit +
# e2e through pcscd and vpcd).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh

echo "== format check"
git ls-files '*.cpp' '*.hpp' '*.c' '*.h' | xargs -r clang-format --dry-run -Werror

echo "== build (RelWithDebInfo, warnings as errors)"
scripts/build.sh "$root/build" -DTSCNS_WERROR=ON
echo "== build (Debug, ASan + UBSan)"
scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTSCNS_WERROR=ON \
  "-DTSCNS_SANITIZE=address;undefined" -DTSCNS_E2E=OFF

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== unit tests under ASan + UBSan"
ctest --test-dir "$root/build-asan" -L unit --output-on-failure -j2
echo "== fuzz harnesses, 10 s each (clang + libFuzzer + ASan + UBSan, docs/fuzzing.md)"
scripts/fuzz.sh 10 --build-dir "$root/build-fuzz"
echo "== PKCS#11 concurrency tests under ThreadSanitizer (module + tscns-abi in build-tsan)"
TSCNS_VCARD="$root/build/vcard/tscns-vcard" tests/abi/run_tsan.sh --build-dir "$root/build-tsan"
echo "== all tests (unit + e2e)"
ctest --test-dir "$root/build" --output-on-failure
