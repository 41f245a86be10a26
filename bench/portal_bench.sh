#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark of tscns-portal (not a test): complete logins per second and the p50/p99 latency of a
# whole login, with password + SMS code (concurrent clients) and password + card (the virtual
# card through pcscd, vpcd and tscnsd, one login at a time), on SQLite and on PostgreSQL, with
# one instance and with two instances sharing the database (the steps of every login alternate
# between them). The load generator is bench/portal/portal_loadgen.cpp. See bench/README.md;
# results in docs/benchmarks-portal.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/portal_bench.sh [options]

For each database (a SQLite file in WAL mode, a throwaway PostgreSQL on loopback) and for one
and two tscns-portal instances on it:
  pwd + SMS    --clients concurrent browsers, each doing whole logins (GET /login, POST /login,
               GET /login/second-factor, POST /login/otp/send, GET /login/otp, POST /login/otp
               with the code read from the outbox table, GET /home) for --seconds
  pwd + card   one browser (one card): password, POST /login/card/challenge, tscnsd's
               /v1/authenticate (consent + PIN by a scripted pinentry, tscns-vcard with no
               latency), POST /login/card/verify, GET /home, for --card-seconds
Setup (not timed): --accounts desk registrations with distinct mobiles and their first access.
The portal runs with --ip-limit 1000000 (the per-address limit would stop the load at 60
authentication requests a minute); the per-account SMS limit (10 an hour) is reset between
runs (DELETE FROM throttles) and no account gets more than 10 logins in a run.

Options:
  --build-dir DIR     build tree (default ./build) with portal/tscns-portal,
                      bench/portal/tscns-bench-portal-loadgen, daemon/tscnsd,
                      daemon/test-pinentry/tscns-test-pinentry and vcard/tscns-vcard; or set
                      PORTAL, LOADGEN, TSCNSD, TSCNS_TEST_PINENTRY, TSCNS_VCARD
  --seconds N         duration of each pwd + SMS run (default 15)
  --clients N         concurrent browsers of the pwd + SMS runs (default 4)
  --card-seconds N    duration of each pwd + card run (default 10)
  --accounts K        accounts registered per database (default 5 x nproc per second of
                      --seconds: room for 50 logins/s per CPU; a row's note says when the
                      accounts' SMS codes ran out before the time)
  --backends "B..."   sqlite and/or postgresql (default "sqlite postgresql")
  --no-card           leave out the pwd + card rows (no pcscd, vpcd or tscnsd needed)
  --doc FILE          also write the command, the machine and the table into FILE between
                      <!-- portal:begin --> and <!-- portal:end -->
  -h, --help          this text
EOF
}

build_dir=$root/build
seconds=15
clients=4
card_seconds=10
accounts=""
backends="sqlite postgresql"
card=1
doc=""
command_line="bench/portal_bench.sh $*"
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --card-seconds) card_seconds=$2; shift 2 ;;
    --accounts) accounts=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --no-card) card=""; shift ;;
    --doc) doc=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "portal_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ -z $accounts ]]; then
  accounts=$((seconds * 5 * $(nproc)))
  ((accounts >= 2 * clients)) || accounts=$((2 * clients))
fi
for n in "$seconds" "$clients" "$card_seconds" "$accounts"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "portal_bench.sh: positive numbers only ($n)" >&2; exit 2; }
done
((clients <= 64 && accounts >= clients && accounts <= 5000)) \
  || { echo "portal_bench.sh: --clients 1-64, --accounts from --clients to 5000" >&2; exit 2; }
for b in $backends; do
  [[ $b == sqlite || $b == postgresql ]] || { echo "portal_bench.sh: --backends sqlite postgresql" >&2; exit 2; }
done

: "${PORTAL:=$build_dir/portal/tscns-portal}"
: "${LOADGEN:=$build_dir/bench/portal/tscns-bench-portal-loadgen}"
: "${TSCNSD:=$build_dir/daemon/tscnsd}"
: "${TSCNS_TEST_PINENTRY:=$build_dir/daemon/test-pinentry/tscns-test-pinentry}"
: "${TSCNS_VCARD:=$build_dir/vcard/tscns-vcard}"
need=("$PORTAL" "$LOADGEN" "$TSCNS_VCARD")
[[ -z $card ]] || need+=("$TSCNSD" "$TSCNS_TEST_PINENTRY")
for b in "${need[@]}"; do
  [[ -x $b ]] || { echo "portal_bench.sh: no $b (build tscns-portal tscns-bench-portal-loadgen tscnsd tscns-test-pinentry tscns-vcard)" >&2; exit 1; }
done
export PORTAL TSCNSD TSCNS_TEST_PINENTRY TSCNS_VCARD

source "$root/tests/e2e/lib.sh"
source "$here/doc_block.sh"
[[ -z $card ]] || source "$root/tests/e2e/daemon_lib.sh"
[[ " $backends " != *" postgresql "* ]] || source "$root/tests/e2e/portal_pg_lib.sh"
source "$root/tests/e2e/portal_lib.sh"
[[ -z $card ]] || source "$root/tests/e2e/portal_card_lib.sh"

ip_limit=1000000
password="una frase lunga per il banco di prova"
serve_opts=(--ip-limit "$ip_limit")

# Two ports per database (instances A and B), all distinct, chosen now: tscnsd must allow every
# A's origin (both instances of a database serve A's origin, as behind one load balancer).
declare -A port_a=() port_b=()
taken=" "
# pick_port: a free port not in $taken (the caller adds it: this runs in a subshell).
pick_port() {
  local p
  while :; do
    p=$(e2e_free_port 28200 28899)
    [[ $taken == *" $p "* ]] || break
  done
  echo "$p"
}
for b in $backends; do
  port_a[$b]=$(pick_port)
  taken+="${port_a[$b]} "
  port_b[$b]=$(pick_port)
  taken+="${port_b[$b]} "
done

table=$E2E_TMP/table.md
notes=$E2E_TMP/notes.md
: >"$notes"
{
  echo '| Database | Instances | Second factor | Clients | Logins | Failed | Logins/s | p50 ms | p99 ms |'
  echo '|---|--:|---|--:|--:|--:|--:|--:|--:|'
} >"$table"

# row DB INSTANCES FACTOR JSON_FILE: a table row from the load generator's answer; failures,
# their kinds and the portals' error lines go to the notes.
row() {
  local db=$1 n=$2 factor=$3 json=$4 line
  line=$(tail -n 1 "$json")
  jq -e . >/dev/null 2>&1 <<<"$line" || e2e_fail "$db/$n/$factor: the load generator printed no result (see $json)"
  e2e_log "$db, $n instance(s), $factor: $line"
  jq -r --arg db "$db" --arg f "$factor" \
    '"| \($db) | \(.instances) | \($f) | \(.clients) | \(.logins) | \(.failures) | \(.loginsPerSecond) | \(.p50Ms) | \(.p99Ms) |"' \
    <<<"$line" >>"$table"
  if jq -e '.failures > 0 or .exhausted' >/dev/null <<<"$line"; then
    jq -r --arg db "$db" --arg f "$factor" \
      '"- \($db), \(.instances) instance(s), \($f): \(.failures) failed login(s)\(if .exhausted then ", the accounts ran out of SMS codes before the time (more --accounts)" else "" end)\(if (.errors | length) > 0 then ": " + ([.errors | to_entries[] | "`\(.key)` ×\(.value)"] | join(", ")) else "" end)"' \
      <<<"$line" >>"$notes"
  fi
}

# portal_errors NAME...: the error lines of these portals' logs, for the notes.
portal_errors() {
  local name
  for name in "$@"; do
    grep -i -E 'error|locked|busy|exception' "$E2E_TMP/$name.log" 2>/dev/null | sort | uniq -c | sort -rn | head -n 5 \
      | sed "s/^/    $name: /" || true
  done
}

card_user=""
for b in $backends; do
  if [[ $b == postgresql ]]; then
    [[ -n $PG_URL ]] || pg_start
    P_DB=$PG_URL
  else
    P_DB=sqlite:$E2E_TMP/portal.sqlite
  fi
  a_origin=https://127.0.0.1:${port_a[$b]}

  # --- instance A (with the card step: pcscd, the card, tscnsd the first time), then B
  card_opts=()
  P_PORT=${port_a[$b]}
  if [[ -n $card && -z $D_PID ]]; then
    pc_new_cards 61
    PC_TSCNSD_ARGS=()
    for o in $backends; do [[ $o == "$b" ]] || PC_TSCNSD_ARGS+=(--allow-origin "https://127.0.0.1:${port_a[$o]}"); done
    pc_start "${serve_opts[@]}"
    mv "$E2E_TMP/portal.log" "$E2E_TMP/a-$b.log"
  fi
  [[ -z $card ]] || card_opts=(--cns-ca "$PC_CARD/ca.pem" --cns-ca "$PC_OTHER/ca.pem"
    --crl "$E2E_TMP/card-a.crl" --crl "$E2E_TMP/card-b.crl" --tscnsd-port "$D_PORT")
  [[ -n ${P_PID:-} && $BASE == "$a_origin" ]] || p_start "a-$b" "${serve_opts[@]}" "${card_opts[@]}"
  a_pid=$P_PID
  P_PORT=${port_b[$b]}
  p_start "b-$b" "${serve_opts[@]}" "${card_opts[@]}" --origin "$a_origin"
  b_pid=$P_PID
  b_base=https://127.0.0.1:${port_b[$b]}
  BASE=$a_origin
  e2e_log "$b: instances $a_origin and $b_base (origin $a_origin)"

  # --- setup, not timed: accounts with distinct mobiles, then their first access
  t0=$(e2e_ms)
  list=$E2E_TMP/accounts-$b.txt
  : >"$list"
  "$LOADGEN" accounts --count "$accounts" >"$E2E_TMP/identities.txt"
  while read -r cf number mobile; do
    P_MOBILE=$mobile p_register "$cf" "$number"
    echo "$P_USER $P_HALF1$P_HALF2 $mobile" >>"$list"
  done <"$E2E_TMP/identities.txt"
  card_list=$E2E_TMP/card-account-$b.txt
  if [[ -n $card ]]; then
    cf=$(e2e_json "$PC_CARD" codiceFiscale)
    P_GIVEN=$(e2e_json "$PC_CARD" givenName) P_SURNAME=$(e2e_json "$PC_CARD" surname) \
      P_MOBILE=+393990000001 p_register "$cf" 80380000301111122222 --card-expiry "$(e2e_json "$PC_CARD" expiryDate)"
    card_user=$P_USER
    echo "$P_USER $P_HALF1$P_HALF2 +393990000001" >"$card_list"
    cat "$card_list" >>"$list"
  fi
  "$LOADGEN" first-access --base "$a_origin" --db "$P_DB" --accounts "$list" --password "$password" \
    --clients "$clients" || e2e_fail "$b: the first accesses failed"
  e2e_log "$b: $(wc -l <"$list") accounts registered and through their first access in $(($(e2e_ms) - t0)) ms"

  # --- the timed runs
  for n in 1 2; do
    bases=(--base "$a_origin")
    ((n == 1)) || bases+=(--base "$b_base")
    p_sql "DELETE FROM throttles" >/dev/null
    out=$E2E_TMP/run-$b-$n-sms.json
    "$LOADGEN" sms "${bases[@]}" --db "$P_DB" --accounts "$list" --password "$password" \
      --clients "$clients" --seconds "$seconds" --max-per-account 10 >"$out" 2>"$out.err" || true
    cat "$out.err" >&2
    row "$b" "$n" "pwd + SMS" "$out"
    if [[ -n $card ]]; then
      p_sql "DELETE FROM throttles" >/dev/null
      d_pinentry --pin "$PC_PIN"
      out=$E2E_TMP/run-$b-$n-card.json
      "$LOADGEN" card "${bases[@]}" --origin "$a_origin" --user "$card_user" --password "$password" \
        --tscnsd-port "$D_PORT" --seconds "$card_seconds" >"$out" 2>"$out.err" || true
      cat "$out.err" >&2
      row "$b" "$n" "pwd + card" "$out"
    fi
  done
  errors=$(portal_errors "a-$b" "b-$b")
  [[ -z $errors ]] || printf -- '- %s: error lines in the portals'"'"' logs (count, line):\n%s\n' "$b" "$errors" >>"$notes"
  e2e_stop_pid "$a_pid"
  e2e_stop_pid "$b_pid"
  P_PID=""
done

versions() {
  printf -- '- host: %s, %s CPU(s) (%s), %s MiB RAM, %s\n' "$(uname -m)" "$(nproc)" \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
    "$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" "$(date -u +%Y-%m-%d)"
  printf -- '- tscns %s; SQLite %s (WAL); PostgreSQL %s (loopback, fsync off: `portal_pg_lib.sh`); cpp-httplib %s\n' \
    "$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')" \
    "$(sqlite3 --version 2>/dev/null | awk '{ print $1 }' || echo '?')" \
    "$( ([[ -n ${PG_BIN:-} ]] && "$PG_BIN/postgres" --version | awk '{ print $3 }') || echo '-')" \
    "$(dpkg-query -W -f '${Version}' libcpp-httplib-dev 2>/dev/null || echo '?')"
  printf -- '- pwd + SMS: %s concurrent clients for %s s, %s accounts per database; pwd + card: one card, %s s; `serve --ip-limit %s`, default 8 worker threads\n' \
    "$clients" "$seconds" "$accounts" "$card_seconds" "$ip_limit"
}

if [[ -s $notes ]]; then
  { echo; echo 'Notes of this run:'; echo; cat "$notes"; } >>"$table"
fi
echo
cat "$table"
echo
versions

[[ -z $doc ]] || bench_write_doc "$doc" portal "$command_line" "$table"
