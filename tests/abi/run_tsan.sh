#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The PKCS#11 concurrency tests under ThreadSanitizer (docs/development.md §6, item 2): builds the
# module and tscns-abi with -DTSCNS_SANITIZE=thread (only those two targets) and runs the ABI
# groups that use threads or processes through pcscd + vpcd against a virtual card. Any TSan
# report fails the run: TSan ends the reporting process with exit code 66 (halt_on_error), and
# the log is also searched for reports (a forked child's report would otherwise be seen only
# through its exit status).
#
# Usage: run_tsan.sh [--build-dir DIR] [PROFILE]
#   --build-dir  the TSan build directory (default <repo>/build-tsan)
#   PROFILE      the virtual card profile (default st-cns11)
# Environment: TSCNS_VCARD (tscns-vcard; default <repo>/build/vcard/tscns-vcard, else it is
# built in the TSan directory too). TSAN_OPTIONS is appended to this script's options.
#
# The host must be TSan-built too: a dlopen'ed TSan module needs the TSan runtime loaded at
# start-up, which is why tscns-abi is built in the same directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/build-tsan
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
  --build-dir) dir=$2; shift 2 ;;
  --help | -h) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run_tsan.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
profile=${1:-st-cns11}
jobs=$(nproc 2>/dev/null || echo 2)

targets=(tscns-pkcs11 tscns-abi)
vcard=${TSCNS_VCARD:-$root/build/vcard/tscns-vcard}
if [[ ! -x $vcard ]]; then
  vcard=$dir/vcard/tscns-vcard
  targets+=(tscns-vcard)
fi

cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DTSCNS_SANITIZE=thread -DTSCNS_E2E=ON \
  -DTSCNS_BUILD_BENCH=OFF -DTSCNS_WERROR=ON >/dev/null
cmake --build "$dir" -j"$jobs" --target "${targets[@]}"

log=$(mktemp "${TMPDIR:-/tmp}/tscns-tsan.XXXXXX")
trap 'rm -f "$log"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
rc=0
TSCNS_VCARD=$vcard bash "$root/tests/abi/run_abi.sh" --abi "$dir/tests/abi/tscns-abi" \
  --module "$dir/pkcs11/tscns-pkcs11.so" "$profile" init sessions threads processes removal \
  2>&1 | tee "$log" || rc=$?
if grep -q "WARNING: ThreadSanitizer\|ERROR: ThreadSanitizer" "$log"; then
  echo "run_tsan.sh: ThreadSanitizer reported a problem (above)" >&2
  exit 1
fi
if ((rc != 0)); then
  echo "run_tsan.sh: the ABI groups failed under TSan (exit $rc)" >&2
  exit "$rc"
fi
echo "run_tsan.sh: no ThreadSanitizer report; groups init sessions threads processes removal passed"
