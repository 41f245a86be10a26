#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `tscns setup` and `tscns doctor` in a fake HOME (E2E_TMP/home): Chromium's nssdb created,
# two Firefox profiles (relative and absolute path), idempotence checked with modutil -list,
# another module file replaced, a database that loads p11-kit-proxy skipped when a tscns.module
# is visible (in the fake HOME's ~/.config/pkcs11/modules), a locked profile skipped, --remove,
# --json. Then doctor with pcscd + a vcard: pcscd, reader and card ok, tscnsd a problem until it
# runs (on a port of its own), then reachable; with a full configuration no problem at all.
#
# Usage: setup.sh TSCNSD TSCNS_TEST_PINENTRY (ctest passes them; see setup.cmake).
TSCNSD=${1:-${TSCNSD:-}}
TSCNS_TEST_PINENTRY=${2:-${TSCNS_TEST_PINENTRY:-}}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
: "${TSCNS:?TSCNS must name the tscns binary}"
: "${TSCNS_MODULE:?TSCNS_MODULE must name the staged module}"
command -v modutil >/dev/null || e2e_fail "modutil not found (install libnss3-tools)"

home=$E2E_TMP/home
mkdir -p "$home"
export HOME=$home
unset XDG_CONFIG_HOME
chromium=$home/.pki/nssdb
ffdir=$home/.mozilla/firefox
rel=$ffdir/abcd.default-release
abs=$E2E_TMP/elsewhere/work-profile
build_module=$(dirname "$(dirname "$TSCNS")")/pkcs11/tscns-pkcs11.so
[[ -f $build_module ]] || e2e_fail "no module in the build tree ($build_module)"
proxy=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/p11-kit-proxy.so

mkdir -p "$rel" "$abs"
cat >"$ffdir/profiles.ini" <<EOF
[Install4F96D1932A9F858E]
Default=abcd.default-release
Locked=1

[Profile1]
Name=work
IsRelative=0
Path=$abs

[Profile0]
Name=default-release
IsRelative=1
Path=abcd.default-release
Default=1

[General]
StartWithLastProfile=1
Version=2
EOF
# The relative profile already has a database (Firefox ran once); the absolute one has none yet.
certutil -N -d "sql:$rel" --empty-password >/dev/null 2>&1 || e2e_fail "certutil -N"

# rc COMMAND...: the exit code, output kept in $E2E_TMP/out and err.
rc() { set +e; "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" </dev/null; local r=$?; set -e; echo $r; }
# listed DB: how many times modutil -list shows a tscns-pkcs11.so.
listed() { modutil -list -dbdir "sql:$1" 2>/dev/null | grep -c 'library name: .*/tscns-pkcs11\.so$' || true; }
# listed_path DB: the library modutil lists for our module.
listed_path() { modutil -list -dbdir "sql:$1" 2>/dev/null | sed -n 's/^[[:space:]]*library name: \(.*tscns-pkcs11\.so\)$/\1/p'; }
once_each() {
  local db n
  for db in "$@"; do
    n=$(listed "$db")
    [[ $n == 1 ]] || { e2e_log "$db lists the module $n times"; return 1; }
  done
}
action_of() { jq -r --arg p "$1" '.[] | select(.path == $p) | .action' "$E2E_TMP/out"; }

# --- a missing module is a clear error, and nothing is created
e2e_check "--module missing file: exit 15" test "$(rc "$TSCNS" setup --module "$E2E_TMP/nope.so")" = 15
e2e_check "--module missing file: says so" grep -q "nope.so does not exist" "$E2E_TMP/err"
e2e_check "nothing created by the failed run" test ! -e "$chromium"
e2e_check "setup --help" test "$(rc "$TSCNS" setup --help)" = 0
e2e_check "help setup names --remove" grep -q -- "--remove" "$E2E_TMP/out"
e2e_check "help doctor" test "$(rc "$TSCNS" help doctor)" = 0

# --- first run: the default module (the build tree's, next to this tscns)
e2e_check "setup: exit 0" test "$(rc "$TSCNS" setup)" = 0
cp "$E2E_TMP/out" "$E2E_TMP/setup1.txt"
e2e_check "setup names the build tree's module" grep -qF "module $build_module" "$E2E_TMP/setup1.txt"
e2e_check "Chromium's nssdb created" test -f "$chromium/cert9.db"
e2e_check "Chromium's nssdb is private (0700)" test "$(stat -c %a "$chromium")" = 700
e2e_check "one line per database" test "$(grep -c ': added' "$E2E_TMP/setup1.txt")" = 3
e2e_check "the absolute profile got a database" test -f "$abs/cert9.db"
e2e_check "module listed once in each database" once_each "$chromium" "$rel" "$abs"

# --- second run: nothing changes
e2e_check "setup again: exit 0" test "$(rc "$TSCNS" setup --json)" = 0
e2e_check "setup --json parses" jq -e 'type == "array" and length == 3' "$E2E_TMP/out"
e2e_check "every database already present" \
  jq -e 'all(.[]; .action == "already present" and .ok == true)' "$E2E_TMP/out"
e2e_check "still listed once in each database" once_each "$chromium" "$rel" "$abs"

# --- another file: the registration is replaced, not doubled
e2e_check "setup --module (staged): exit 0" test "$(rc "$TSCNS" setup --json --module "$TSCNS_MODULE")" = 0
e2e_check "every database replaced" jq -e 'all(.[]; .action == "replaced")' "$E2E_TMP/out"
e2e_check "replaced: listed once in each database" once_each "$chromium" "$rel" "$abs"
staged_real=$(realpath "$TSCNS_MODULE")
e2e_check "the staged module is the one listed" test "$(realpath "$(listed_path "$rel")")" = "$staged_real"
"$TSCNS" setup >/dev/null
e2e_check "back to the default module" test "$(listed_path "$rel")" = "$build_module"

# --- registered by hand under another name, same file: reported, not doubled
modutil -force -delete tscns -dbdir "sql:$abs" >/dev/null 2>&1
modutil -force -add "My CNS" -libfile "$build_module" -dbdir "sql:$abs" >/dev/null 2>&1
e2e_check "hand registration: exit 0" test "$(rc "$TSCNS" setup --json)" = 0
e2e_check "hand registration reported" \
  test "$(jq -r --arg p "$abs" '.[] | select(.path == $p) | .action + ": " + .reason' "$E2E_TMP/out")" = 'already present: registered as "My CNS"'
e2e_check "hand registration: still once" once_each "$abs"
modutil -force -delete "My CNS" -dbdir "sql:$abs" >/dev/null 2>&1
"$TSCNS" setup >/dev/null
e2e_check "our registration back" once_each "$abs"

# --- p11-kit's proxy: without a tscns.module nothing changes; with one the database is skipped
[[ -f $proxy ]] || e2e_fail "p11-kit-proxy.so not found ($proxy; install p11-kit-modules)"
modutil -force -add p11-kit-proxy -libfile "$proxy" -dbdir "sql:$abs" >"$E2E_TMP/modutil-proxy.log" 2>&1 \
  || e2e_fail "modutil -add p11-kit-proxy"
for f in /etc/pkcs11/modules/tscns.module /usr/share/p11-kit/modules/tscns.module; do
  [[ ! -e $f ]] || e2e_fail "$f exists: this test needs a machine without a system tscns.module (remove it or the tscns package first)"
done
e2e_check "proxy, no tscns.module: exit 0" test "$(rc "$TSCNS" setup --json)" = 0
e2e_check "proxy, no tscns.module: kept" test "$(action_of "$abs")" = "already present"
mkdir -p "$home/.config/pkcs11/modules"
printf 'module: %s\ndisable-in: firefox firefox-esr firefox-bin\n' "$build_module" \
  >"$home/.config/pkcs11/modules/tscns.module"
e2e_check "tscns.module disabled in Firefox: exit 0" test "$(rc "$TSCNS" setup --json)" = 0
e2e_check "tscns.module disabled in Firefox: kept" test "$(action_of "$abs")" = "already present"
printf 'module: %s\n' "$build_module" >"$home/.config/pkcs11/modules/tscns.module"
e2e_check "proxy + tscns.module: exit 0" test "$(rc "$TSCNS" setup --json)" = 0
cp "$E2E_TMP/out" "$E2E_TMP/setup-proxy.json"
e2e_check "proxy + tscns.module: skipped" test "$(action_of "$abs")" = skipped
e2e_check "proxy + tscns.module: says why" \
  jq -e --arg p "$abs" '.[] | select(.path == $p) | .reason | test("p11-kit-proxy") and test("tscns.module")' "$E2E_TMP/out"
e2e_check "proxy + tscns.module: no direct registration left" \
  test "$(grep -c '^name=tscns$' "$abs/pkcs11.txt" || true)" = 0
e2e_check "proxy + tscns.module: the proxy stays" grep -q "^library=$proxy\$" "$abs/pkcs11.txt"
e2e_check "the other databases unchanged" once_each "$chromium" "$rel"

# --- a Firefox profile in use: skipped with a clear message, nothing written
modutil -force -delete tscns -dbdir "sql:$rel" >/dev/null 2>&1
cp "$rel/pkcs11.txt" "$E2E_TMP/rel-pkcs11.before"
ln -s "127.0.0.1:+$$" "$rel/lock"
code=$(rc "$TSCNS" setup)
e2e_check "locked profile: exit 13 (got $code)" test "$code" = 13
e2e_check "locked profile: 'close Firefox first'" grep -q "$rel .*skipped (.*close Firefox first" "$E2E_TMP/out"
e2e_check "locked profile: pkcs11.txt untouched" cmp -s "$rel/pkcs11.txt" "$E2E_TMP/rel-pkcs11.before"
e2e_check "locked profile: the others fine" grep -q "$chromium .*already present" "$E2E_TMP/out"
rm "$rel/lock"
e2e_check "lock gone: exit 0" test "$(rc "$TSCNS" setup)" = 0
e2e_check "lock gone: added" grep -q "$rel .*: added" "$E2E_TMP/out"

# --- doctor before tscnsd runs (pcscd + a card)
card=$E2E_TMP/card
e2e_new_card "$card" --profile st-cns11 --seed 31
e2e_start_pcscd
e2e_start_card "$card" 0
D_PORT=$(d_free_port)
mkdir -p "$home/.config/tscns"
printf '{"port": %s}\n' "$D_PORT" >"$home/.config/tscns/tscnsd.json"
code=$(rc "$TSCNS" doctor --json)
cp "$E2E_TMP/out" "$E2E_TMP/doctor1.json"
e2e_check "doctor without tscnsd: exit 14 (got $code)" test "$code" = 14
e2e_check "doctor --json parses" jq -e '.checks | type == "array"' "$E2E_TMP/doctor1.json"
status_of() { jq -r --arg c "$1" '[.checks[] | select(.check == $c)][0].status' "$2"; }
e2e_check "doctor: pcscd ok" test "$(status_of pcscd "$E2E_TMP/doctor1.json")" = ok
e2e_check "doctor: readers ok, Virtual PCD 00 00 listed" \
  jq -e '.checks[] | select(.check == "readers" and .status == "ok") | .readers | index("Virtual PCD 00 00")' "$E2E_TMP/doctor1.json"
e2e_check "doctor: the card ok, its card ID and layout" \
  jq -e --arg id "$(e2e_json "$card" cardId)" \
  '.checks[] | select(.check == "card" and .reader == "Virtual PCD 00 00") | .status == "ok" and .cardId == $id and (.layout | length > 0)' \
  "$E2E_TMP/doctor1.json"
e2e_check "doctor: tscnsd a problem, with a fix" \
  jq -e '.checks[] | select(.check == "tscnsd") | .status == "problem" and (.fix | length > 0) and (.detail | test("not running"))' \
  "$E2E_TMP/doctor1.json"
e2e_check "doctor: tscnsd asked on the configured port" \
  jq -e --argjson p "$D_PORT" '.checks[] | select(.check == "tscnsd") | .port == $p' "$E2E_TMP/doctor1.json"
e2e_check "doctor: browsers ok (registered or through p11-kit)" \
  jq -e '[.checks[] | select(.check == "browser")] | length == 3 and all(.status == "ok")' "$E2E_TMP/doctor1.json"
e2e_check "doctor: the proxied profile is seen through p11-kit" \
  jq -e --arg p "$abs" '.checks[] | select(.check == "browser" and .path == $p) | .detail | test("p11-kit")' "$E2E_TMP/doctor1.json"
e2e_check "doctor: p11-kit module file ok" test "$(status_of p11-kit "$E2E_TMP/doctor1.json")" = ok
if [[ ! -e /etc/tscns/tscnsd.json ]]; then
  e2e_check "doctor: empty allowlist is a warning with a fix" \
    jq -e '.checks[] | select(.check == "allowlist") | .status == "warning" and (.fix | length > 0)' "$E2E_TMP/doctor1.json"
fi
"$TSCNS" doctor >"$E2E_TMP/doctor1.txt" || true
e2e_check "doctor text: a fix line for tscnsd" grep -q "fix: systemctl --user" "$E2E_TMP/doctor1.txt"

# --- tscnsd running on that port
d_start_on_port() {
  "$TSCNSD" --config "$D_CONFIG" --port "$D_PORT" --allow-origin "$D_ORIGIN" \
    --pinentry "$D_PINENTRY" >>"$E2E_TMP/tscnsd.log" 2>&1 &
  D_PID=$!
  local _
  for _ in $(seq 100); do
    kill -0 "$D_PID" 2>/dev/null || return 1
    [[ $(d_call GET /v1/status) == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}
e2e_check "tscnsd started on 127.0.0.1:$D_PORT" d_start_on_port
code=$(rc "$TSCNS" doctor --json)
cp "$E2E_TMP/out" "$E2E_TMP/doctor2.json"
e2e_check "doctor: tscnsd reachable" \
  jq -e '.checks[] | select(.check == "tscnsd") | .status == "ok" and (.detail | test("answers"))' "$E2E_TMP/doctor2.json"
# With the daemon's own configuration (port and origin): the status itself, and no problem left.
printf '{"port": %s, "allowedOrigins": ["%s"]}\n' "$D_PORT" "$D_ORIGIN" >"$E2E_TMP/doctor-config.json"
code=$(rc "$TSCNS" doctor --json --config "$E2E_TMP/doctor-config.json")
cp "$E2E_TMP/out" "$E2E_TMP/doctor3.json"
e2e_check "doctor --config: tscnsd status read (cns-auth:1, card present)" \
  jq -e '.checks[] | select(.check == "tscnsd") | .status == "ok" and .daemonStatus.protocol == "cns-auth:1" and .daemonStatus.cardPresent == true' \
  "$E2E_TMP/doctor3.json"
e2e_check "doctor --config: allowlist ok" test "$(status_of allowlist "$E2E_TMP/doctor3.json")" = ok
e2e_check "doctor --config: no problem, exit 0 (got $code)" test "$code" = 0
e2e_check "doctor --config: problems = 0" jq -e '.problems == 0' "$E2E_TMP/doctor3.json"
d_stop

# --- remove: no registration of ours left, nothing else touched
e2e_check "setup --remove: exit 0" test "$(rc "$TSCNS" setup --remove --json)" = 0
e2e_check "setup --remove --json parses" jq -e 'type == "array" and length == 3' "$E2E_TMP/out"
e2e_check "removed from Chromium and the relative profile" \
  test "$(action_of "$chromium") $(action_of "$rel")" = "removed removed"
none_left() {
  local db
  for db in "$chromium" "$rel" "$abs"; do
    [[ $(listed "$db") == 0 ]] || { e2e_log "$db still lists the module"; return 1; }
    ! grep -q '^name=tscns$' "$db/pkcs11.txt" || return 1
  done
}
e2e_check "no registration left" none_left
e2e_check "--remove kept the p11-kit proxy" grep -q "^library=$proxy\$" "$abs/pkcs11.txt"
e2e_check "setup --remove again: exit 0, nothing to do" test "$(rc "$TSCNS" setup --remove --json)" = 0
e2e_check "nothing registered" jq -e 'all(.[]; .action == "not registered")' "$E2E_TMP/out"
e2e_summary
