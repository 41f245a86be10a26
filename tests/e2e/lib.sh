# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared shell helpers for end-to-end tests through a real pcscd and vsmartcard's vpcd.
# Source it from a test script. It starts pcscd only when none runs, and on exit stops every
# process it started (cards, pcscd) and removes its temporary directory.
#
# Environment: TSCNS_VCARD (path to tscns-vcard, required).

set -euo pipefail

: "${TSCNS_VCARD:?TSCNS_VCARD must name the tscns-vcard binary}"

# The vpcd readers (ports 35963/35964) are one machine-wide resource: scripts that use them run
# one at a time, also across separate ctest runs (ctest's RESOURCE_LOCK covers only one run).
# The lock is held by a small watcher process, not by this shell, so that the processes a test
# starts (pcscd, cards, servers) never inherit it; the watcher lets go when this shell exits,
# however it exits.
# An ancestor that already holds the lock (`flock /tmp/tscns-vpcd.lock ctest ...`, as the
# developer instructions say) covers this script: waiting for it would deadlock until the timeout.
e2e_lock_held_by_ancestor() {
  local holders p
  holders=$(lslocks -n -r -o PID,MODE,PATH 2>/dev/null | awk -v f="$1" '$3 == f && $2 !~ /\*/ { print $1 }')
  [[ -n $holders ]] || return 1
  p=$PPID
  while [[ -n $p && $p -gt 1 ]]; do
    grep -qx "$p" <<<"$holders" && return 0
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
  done
  return 1
}
e2e_lock() {
  local file=${TMPDIR:-/tmp}/tscns-vpcd.lock mark
  if e2e_lock_held_by_ancestor "$file"; then
    E2E_LOCK_PID=""
    return 0
  fi
  mark=$(mktemp "${TMPDIR:-/tmp}/tscns-vpcd-lock.XXXXXX")
  rm -f "$mark"
  local parent=$$
  (
    exec 9>"$file"
    flock -w "${E2E_LOCK_WAIT:-900}" 9 || exit 1
    : >"$mark"
    while kill -0 "$parent" 2>/dev/null; do sleep 0.2; done
  ) </dev/null >/dev/null 2>&1 &
  E2E_LOCK_PID=$!
  while [[ ! -e $mark ]]; do
    if ! kill -0 "$E2E_LOCK_PID" 2>/dev/null; then
      echo "[e2e] another test holds the vpcd readers ($file)" >&2
      exit 1
    fi
    sleep 0.1
  done
  rm -f "$mark"
}
e2e_lock

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tscns-e2e.XXXXXX")
E2E_CARD_PIDS=()
E2E_PCSCD_PID=""
E2E_PASSED=0
E2E_FAILED=0

e2e_log() { printf '[e2e] %s\n' "$*" >&2; }

e2e_cleanup() {
  local rc=$?
  set +e
  for pid in "${E2E_CARD_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [[ -n $E2E_PCSCD_PID ]]; then
    kill "$E2E_PCSCD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$E2E_PCSCD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$E2E_PCSCD_PID" 2>/dev/null
    wait "$E2E_PCSCD_PID" 2>/dev/null
  fi
  if ((rc != 0)) && [[ -z ${E2E_KEEP:-} ]]; then
    for f in "$E2E_TMP"/*.log; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") (last 40 lines)" >&2
      tail -n 40 "$f" >&2
    done
  fi
  if [[ -n ${E2E_KEEP:-} ]]; then e2e_log "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
  [[ -n ${E2E_LOCK_PID:-} ]] && kill "$E2E_LOCK_PID" 2>/dev/null
  exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# Fails the test with a message.
e2e_fail() {
  e2e_log "FAIL: $*"
  exit 1
}

# e2e_check NAME COMMAND...: runs a check, counts it, and stops at the first failure.
e2e_check() {
  local name=$1
  shift
  if "$@"; then
    E2E_PASSED=$((E2E_PASSED + 1))
    e2e_log "ok   $name"
  else
    E2E_FAILED=$((E2E_FAILED + 1))
    e2e_fail "$name"
  fi
}

# e2e_not COMMAND...: true when COMMAND fails (for e2e_check with shell functions).
e2e_not() { ! "$@"; }
# jqe FILTER FILE...: jq -e without output (a check).
jqe() { jq -e "$@" >/dev/null; }

e2e_summary() { echo "$E2E_PASSED passed, $E2E_FAILED failed"; }

# The OpenSC PKCS#11 module of the Debian package opensc-pkcs11.
e2e_opensc_module() {
  local m
  for m in /usr/lib/"$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"/opensc-pkcs11.so \
    /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
    [[ -f $m ]] && { echo "$m"; return 0; }
  done
  e2e_fail "opensc-pkcs11.so not found (install opensc-pkcs11)"
}

# Starts pcscd in the foreground (as our child) unless one already answers on the default socket.
# (A pcscd of another mount namespace, with its own /run/pcscd, does not count.)
e2e_start_pcscd() {
  local i attempt
  if [[ -S /run/pcscd/pcscd.comm ]] && opensc-tool --list-readers >/dev/null 2>&1; then
    e2e_log "using the pcscd that already runs"
  else
    [[ -f /etc/reader.conf.d/vpcd ]] || e2e_fail "vsmartcard-vpcd is not installed (/etc/reader.conf.d/vpcd)"
    # vpcd binds 35963/35964 when pcscd starts. Those ports lie in Linux's ephemeral range, so
    # a loopback connection of another program (or its TIME_WAIT, up to 60 s) can hold one for
    # a while: then vpcd logs "Address already in use" and the reader never appears. Wait for
    # the port and start again, rather than failing on someone else's socket.
    for attempt in $(seq 8); do
      pcscd --foreground --error >"$E2E_TMP/pcscd.log" 2>&1 &
      E2E_PCSCD_PID=$!
      e2e_log "started pcscd (pid $E2E_PCSCD_PID)"
      for i in $(seq 100); do
        if opensc-tool --list-readers 2>/dev/null | grep -q "Virtual PCD 00 00"; then return 0; fi
        grep -q "Address already in use" "$E2E_TMP/pcscd.log" 2>/dev/null && break
        sleep 0.1
      done
      grep -q "Address already in use" "$E2E_TMP/pcscd.log" 2>/dev/null || break
      e2e_log "vpcd's port is taken (attempt $attempt): $(ss -Htanp '( sport = :35963 or sport = :35964 )' 2>/dev/null | head -n 3 | tr -s ' ' | tr '\n' ';')"
      e2e_stop_pid "$E2E_PCSCD_PID"
      E2E_PCSCD_PID=""
      sleep 10
    done
  fi
  for i in $(seq 100); do
    if opensc-tool --list-readers 2>/dev/null | grep -q "Virtual PCD 00 00"; then return 0; fi
    sleep 0.1
  done
  e2e_fail "pcscd does not show the vpcd reader 'Virtual PCD 00 00' (a pcscd without vsmartcard-vpcd?)"
}

# e2e_free_port LOW HIGH: a loopback TCP port in LOW..HIGH that no socket uses, in any state.
# Each test family keeps a range of its own, below the kernel's ephemeral range (32768-60999
# on Debian): a client socket in TIME-WAIT from an earlier curl holds its local port for a
# minute, and a server cannot bind a port a client socket holds even with SO_REUSEADDR.
e2e_free_port() {
  local low=$1 high=$2 p _ eph
  eph=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((high < eph)) || e2e_fail "e2e_free_port $low-$high overlaps the ephemeral ports (from $eph)"
  for _ in $(seq 200); do
    p=$((low + (RANDOM % (high - low + 1))))
    if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  e2e_fail "no free port in $low-$high"
}

# e2e_reader_has_card SLOT: true when the vpcd reader of SLOT holds a card.
e2e_reader_has_card() {
  opensc-tool --list-readers 2>/dev/null | grep -E "Virtual PCD 00 0$1" | grep -q Yes
}

# e2e_start_card DIR SLOT [run options...]: runs tscns-vcard on vpcd slot SLOT (0 or 1), waits
# until pcscd reports the card present. Sets E2E_LAST_CARD_PID.
e2e_start_card() {
  local dir=$1 slot=$2
  shift 2
  local log="$E2E_TMP/card$slot.log"
  "$TSCNS_VCARD" run "$dir" --vpcd "127.0.0.1:$((35963 + slot))" "$@" >>"$log" 2>&1 &
  E2E_LAST_CARD_PID=$!
  E2E_CARD_PIDS+=("$E2E_LAST_CARD_PID")
  local i
  for i in $(seq 100); do
    if e2e_reader_has_card "$slot"; then return 0; fi
    kill -0 "$E2E_LAST_CARD_PID" 2>/dev/null || e2e_fail "tscns-vcard exited early (see card$slot.log)"
    sleep 0.1
  done
  e2e_fail "card $dir did not appear in Virtual PCD 00 0$slot"
}

# e2e_stop_card PID [SLOT]: stops a card (it leaves the reader); with SLOT, waits until pcscd
# reports the reader empty.
e2e_stop_card() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  [[ -n ${2:-} ]] || return 0
  local i
  for i in $(seq 100); do
    e2e_reader_has_card "$2" || return 0
    sleep 0.1
  done
  e2e_fail "the card did not leave Virtual PCD 00 0$2"
}

# e2e_new_card DIR [new options...]: personalizes a card image.
e2e_new_card() {
  local dir=$1
  shift
  "$TSCNS_VCARD" new "$dir" "$@" >"$E2E_TMP/new-$(basename "$dir").log" 2>&1 \
    || { cat "$E2E_TMP/new-$(basename "$dir").log" >&2; e2e_fail "tscns-vcard new $dir $*"; }
}

# e2e_json DIR KEY: a field of DIR/card.json.
e2e_json() { jq -er ".$2" "$1/card.json"; }

# ---- Helpers added for the PKCS#11 client tests (tests/e2e/p11_*.sh) and bench/. ----

E2E_EXIT_HOOKS=()
# e2e_at_exit COMMAND: runs the shell COMMAND (a string) at exit, before the cleanup above stops
# the cards and pcscd; hooks run last-registered first and cannot change the exit status.
e2e_at_exit() {
  E2E_EXIT_HOOKS+=("$1")
  trap e2e__run_exit_hooks EXIT
}
e2e__run_exit_hooks() {
  local rc=$? i
  set +e
  for ((i = ${#E2E_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${E2E_EXIT_HOOKS[i]}"; done
  (exit "$rc")
  e2e_cleanup
}

# e2e_stop_pid PID: stops a background process this script started (TERM, then KILL after 5 s).
e2e_stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  if kill "$pid" 2>/dev/null; then
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# e2e_apdu_count FILE: the number of command APDUs in a tscns-vcard --apdu-log file (lines whose
# direction field is '>'; responses are '<', power events '#').
e2e_apdu_count() {
  [[ -f $1 ]] || { echo 0; return 0; }
  awk '$2 == ">" { n++ } END { print n + 0 }' "$1"
}

# e2e_make_crl CARD_DIR OUT [REVOKE_CERT]: a CRL signed by the card's test CA (DIR/ca.pem,
# DIR/ca-key.pem), empty or revoking REVOKE_CERT, made with `openssl ca`.
e2e_make_crl() {
  local dir=$1 out=$2 revoke=${3:-} db
  db=$(mktemp -d "$E2E_TMP/ca.XXXXXX")
  : >"$db/index.txt"
  echo 01 >"$db/crlnumber"
  cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $db/index.txt
crlnumber = $db/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca-key.pem
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
  if [[ -n $revoke ]]; then
    openssl ca -config "$db/ca.cnf" -revoke "$revoke" -crl_reason keyCompromise \
      >>"$E2E_TMP/openssl.log" 2>&1 || return 1
  fi
  openssl ca -config "$db/ca.cnf" -gencrl -out "$out" >>"$E2E_TMP/openssl.log" 2>&1
}

# e2e_ms: wall-clock time in milliseconds.
e2e_ms() { echo $(($(date +%s%N) / 1000000)); }

# e2e_start_pcscd_here: kept for the scripts that call it; e2e_start_pcscd now decides by the
# pcscd socket of this mount namespace and the lock is never inherited.
e2e_start_pcscd_here() { e2e_start_pcscd "$@"; }
