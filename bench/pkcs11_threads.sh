#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark (not a test): repeats OpenSC's threaded module test, `pkcs11-tool --test-threads`,
# against tscns-pkcs11.so on one virtual card behind pcscd + vpcd, and counts the runs that fail.
# Concurrent first C_Initialize calls, C_GetInfo, C_GetSlotList and C_GetTokenInfo from several
# threads of several processes at once are a race the module must survive every time. See
# docs/benchmarks.md ("PKCS#11 thread stress").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/pkcs11_threads.sh [options] [RUNS]

Runs RUNS times (default 100)
  pkcs11-tool --module M --test-threads CMDS --test-threads CMDS ... -L
(one --test-threads per thread) and counts the failed runs. A run passes when pkcs11-tool exits
0, reports "all threads have ended with CKR_OK", and every thread read the card's serial number
with C_GetTokenInfo. Runs go in batches of --jobs processes at once, all sharing the one card.
Prints one line per failure (with the tail of its output) and a summary; exits 1 if any run
failed, 2 on a usage error.

Options:
  --build-dir DIR   build tree with tscns-vcard and tscns-pkcs11.so (default: ./build); not
                    needed when TSCNS_VCARD and TSCNS_MODULE are set
  --module FILE     the PKCS#11 module (default: $TSCNS_MODULE, else DIR/pkcs11/tscns-pkcs11.so)
  --profile P       tscns-vcard card profile (default st-cns11)
  --threads N       threads per process (default 2)
  --cmds CMDS       pkcs11-tool thread commands (default ILGISLT0: C_Initialize with OS locking,
                    C_GetInfo, C_GetSlotList, C_GetTokenInfo on slot 0)
  --jobs N          pkcs11-tool processes at once (default 10; pkcs11-tool waits 30 s for its
                    threads after its own -L, so a batch takes about 30 s)
  --timeout S       seconds before a run counts as hung (default 90)
  --keep DIR        keep every run's output in DIR
  -h, --help        this text

Needs what the e2e tests need (pcscd, vsmartcard-vpcd, opensc; scripts/install-deps.sh). It takes
the vpcd lock (tests/e2e/lib.sh), starts pcscd when none runs, puts the card in vpcd slot 0 and
stops everything it started when it ends.
EOF
}

build_dir=$root/build
module=${TSCNS_MODULE:-}
profile=st-cns11
threads=2
cmds=ILGISLT0
jobs=10
timeout_s=90
keep=""
runs=100
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --module) module=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --cmds) cmds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "pkcs11_threads.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) runs=$1; shift ;;
  esac
done
for n in "$runs" "$threads" "$jobs" "$timeout_s"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "pkcs11_threads.sh: '$n' is not a positive number" >&2; exit 2; }
done
[[ $cmds =~ ^[A-Za-z0-9]+$ ]] || { echo "pkcs11_threads.sh: bad --cmds '$cmds'" >&2; exit 2; }

export TSCNS_VCARD=${TSCNS_VCARD:-$build_dir/vcard/tscns-vcard}
[[ -x $TSCNS_VCARD ]] || { echo "no $TSCNS_VCARD: build tscns-vcard first" >&2; exit 2; }
[[ -n $module ]] || module=$build_dir/pkcs11/tscns-pkcs11.so
[[ -f $module ]] || { echo "no module $module: build tscns-pkcs11 first" >&2; exit 2; }
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")
command -v pkcs11-tool >/dev/null || { echo "pkcs11-tool not found (Debian: opensc)" >&2; exit 2; }

source "$root/tests/e2e/lib.sh" # the vpcd lock, pcscd, cards, cleanup at exit

card=$E2E_TMP/card
e2e_new_card "$card" --profile "$profile" --seed 4242
serial=$(e2e_json "$card" cardId)
e2e_start_pcscd
e2e_start_card "$card" 0
out=${keep:-$E2E_TMP/runs}
mkdir -p "$out"

thread_args=()
for ((t = 0; t < threads; t++)); do thread_args+=(--test-threads "$cmds"); done
e2e_log "module $module, profile $profile, $runs runs of: pkcs11-tool ${thread_args[*]} -L ($jobs at once)"

# run_one N: one pkcs11-tool process; its output goes to $out/run-N.txt, its verdict to .rc.
run_one() {
  local n=$1 f=$out/run-$1.txt rc=0
  timeout "$timeout_s" pkcs11-tool --module "$module" "${thread_args[@]}" -L >"$f" 2>&1 || rc=$?
  if ((rc == 0)) && ! grep -q "all threads have ended with CKR_OK" "$f"; then rc=200; fi
  if ((rc == 0)) && (($(grep -c "serial num.*: *$serial" "$f") < threads)); then rc=201; fi
  echo "$rc" >"$out/run-$n.rc"
}

failures=0
declare -A reasons=()
t0=$(e2e_ms)
for ((first = 1; first <= runs; first += jobs)); do
  pids=()
  for ((n = first; n < first + jobs && n <= runs; n++)); do
    run_one "$n" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for ((n = first; n < first + jobs && n <= runs; n++)); do
    rc=$(cat "$out/run-$n.rc" 2>/dev/null || echo 255)
    ((rc == 0)) && continue
    failures=$((failures + 1))
    case $rc in
      124) why="hung (killed after ${timeout_s} s)" ;;
      200) why="no \"all threads have ended with CKR_OK\"" ;;
      201) why="fewer than $threads token reads with serial $serial" ;;
      *) why="pkcs11-tool exit status $rc" ;;
    esac
    reasons[$why]=$((${reasons[$why]:-0} + 1))
    e2e_log "run $n FAILED: $why; last lines:"
    tail -n 8 "$out/run-$n.txt" | sed 's/^/    /' >&2
  done
done
t1=$(e2e_ms)

total_ms=$((t1 - t0))
echo "pkcs11_threads: $runs runs, $threads threads each ($cmds), $jobs processes at once"
echo "pkcs11_threads: module $module, profile $profile"
echo "pkcs11_threads: $((runs - failures)) passed, $failures failed, $((total_ms / 1000)) s in all" \
  "($((total_ms / ((runs + jobs - 1) / jobs))) ms per batch of $jobs)"
for why in "${!reasons[@]}"; do echo "pkcs11_threads:   ${reasons[$why]} x $why"; done
((failures == 0))
