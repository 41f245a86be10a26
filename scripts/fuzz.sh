#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer harnesses (fuzz/, clang + ASan + UBSan) and runs each from a temporary
# copy of its seed corpus; prints harness | execs | exec/s | result and exits non-zero on any
# crash, leak, timeout or sanitizer finding (the crashing input's path is in the table).
# docs/fuzzing.md explains the harnesses and how to reproduce a finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<'USAGE'
usage: scripts/fuzz.sh [SECONDS] [options] [HARNESS...]
  SECONDS          run time per harness (default 20), -max_total_time
  --runs N         N executions per harness instead of a time (benchmarks)
  --jobs J         harnesses run in parallel (default 2)
  --build-dir DIR  the fuzz build directory (default build-fuzz); configured if needed
  --no-build       do not configure or build (use what DIR holds)
  --merge          merge what the runs found into fuzz/corpus/<harness> (-merge=1: only
                   inputs with new coverage are added); without it the committed corpus is
                   never changed
  --help           this text
HARNESS: names without the fuzz_ prefix (default: every harness in the build).
Findings are kept in DIR/fuzz-findings/<harness>/ (crash-*, leak-*, timeout-*).
USAGE
}

seconds=20
runs=""
jobs=2
build_dir="$root/build-fuzz"
build=1
merge=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --merge) merge=1; shift ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *)
      if [[ "$1" =~ ^[0-9]+$ ]] && [ ${#harnesses[@]} -eq 0 ] && [ "$seconds" = 20 ]; then
        seconds=$1
      else
        harnesses+=("${1#fuzz_}")
      fi
      shift ;;
  esac
done

# The compiler: clang >= 15 (std::source_location); Debian 12's clang 14 cannot build the tree.
pick_clang() {
  for v in 16 17 18 15; do
    if command -v "clang++-$v" >/dev/null 2>&1 \
      && [ -e "/usr/lib/llvm-$v/lib/clang/$v/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
      echo "$v"; return 0
    fi
  done
  return 1
}

if [ "$build" = 1 ]; then
  if ! v=$(pick_clang); then
    echo "== installing clang-16 and its sanitizer/fuzzer runtimes (Debian packages)"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get install -y -q clang-16 libclang-rt-16-dev >/dev/null \
      || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q clang-16 libclang-rt-16-dev >/dev/null; }
    v=$(pick_clang)
  fi
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    CC="clang-$v" CXX="clang++-$v" cmake -S "$root" -B "$build_dir" -DTSCNS_FUZZ=ON \
      "-DTSCNS_SANITIZE=address;undefined" -DTSCNS_E2E=OFF -DTSCNS_BUILD_TESTS=OFF \
      -DTSCNS_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" >/dev/null
  fi
  targets=(fuzz_all)
  if [ ${#harnesses[@]} -gt 0 ]; then targets=("${harnesses[@]/#/fuzz_}"); fi
  echo "== building ${targets[*]} in $build_dir"
  cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}" >"$build_dir/fuzz-build.log" 2>&1 \
    || { tail -40 "$build_dir/fuzz-build.log" >&2; echo "fuzz.sh: build failed" >&2; exit 1; }
fi

if [ ${#harnesses[@]} -eq 0 ]; then
  for exe in "$build_dir"/fuzz/fuzz_*; do
    name=$(basename "$exe")
    [ -x "$exe" ] && [ "$name" != fuzz_seeds ] && harnesses+=("${name#fuzz_}")
  done
fi
[ ${#harnesses[@]} -gt 0 ] || { echo "fuzz.sh: no harnesses in $build_dir/fuzz" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tscns-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings="$build_dir/fuzz-findings"
# detect_stack_use_after_return=0: with it (clang 15+ turns it on by default) every throw scans
# ASan's fake stack (FakeStack::GC), and our parsers refuse input by throwing: 4-10 times fewer
# executions per second. ASAN_OPTIONS=detect_stack_use_after_return=1 scripts/fuzz.sh turns it on.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

run_one() {
  local h=$1 exe="$build_dir/fuzz/fuzz_$1" corpus="$work/$1/corpus" log="$work/$1/log"
  mkdir -p "$corpus" "$findings/$h"
  if [ -d "$root/fuzz/corpus/$h" ]; then cp -r "$root/fuzz/corpus/$h/." "$corpus/"; fi
  local args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2560 -max_len=16384
              "-artifact_prefix=$findings/$h/")
  if [ -f "$root/fuzz/dict/$h.dict" ]; then args+=("-dict=$root/fuzz/dict/$h.dict"); fi
  if [ -n "$runs" ]; then args+=("-runs=$runs"); else args+=("-max_total_time=$seconds"); fi
  local rc=0
  if [ ! -x "$exe" ]; then echo "missing $exe" >"$log"; rc=127
  else "$exe" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  fi
  echo "$rc" >"$work/$h/rc"
  if [ "$rc" = 0 ] && [ "$merge" = 1 ]; then
    mkdir -p "$root/fuzz/corpus/$h"
    "$exe" -merge=1 "$root/fuzz/corpus/$h" "$corpus" >"$work/$h/merge.log" 2>&1 || true
  fi
}

if [ -n "$runs" ]; then budget="$runs runs"; else budget="${seconds}s"; fi
echo "== running ${#harnesses[@]} harnesses ($budget each, $jobs at a time)"
running=0
for h in "${harnesses[@]}"; do
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

failed=0
printf '%-16s | %12s | %9s | %s\n' harness execs exec/s result
printf '%-16s-|-%12s-|-%9s-|-%s\n' ---------------- ------------ --------- ------
for h in "${harnesses[@]}"; do
  log="$work/$h/log"
  rc=$(cat "$work/$h/rc" 2>/dev/null || echo 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  result=ok
  if [ "$rc" != 0 ]; then
    failed=1
    kind=$(grep -oE 'ERROR: (libFuzzer: [a-z-]+|AddressSanitizer: [a-zA-Z-]+|LeakSanitizer)|runtime error' "$log" | head -1 || true)
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FAIL (${kind:-exit $rc})${input:+ input: $input}"
    cp "$log" "$findings/$h/last.log"
    result="$result log: $findings/$h/last.log"
  fi
  printf '%-16s | %12s | %9s | %s\n' "$h" "${execs:-?}" "${rate:-?}" "$result"
done
exit "$failed"
