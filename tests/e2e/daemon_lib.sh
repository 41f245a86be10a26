#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the tscnsd end-to-end tests (tests/e2e/daemon_*.sh) and bench/daemon/. Source it
# after lib.sh. It runs tscnsd on loopback with a port of its own and a scripted pinentry (a
# wrapper around tscns-test-pinentry whose arguments come from a file, so that each request of
# one daemon run can get another answer), talks to it with curl as a browser would, and stops it
# at exit.
#
# Environment: TSCNSD (tscnsd), TSCNS_TEST_PINENTRY (tscns-test-pinentry), both required.

: "${TSCNSD:?TSCNSD must name the tscnsd binary}"
: "${TSCNS_TEST_PINENTRY:?TSCNS_TEST_PINENTRY must name the tscns-test-pinentry binary}"

# The portal origin the daemon allows (a second one for per-origin checks).
D_ORIGIN=${D_ORIGIN:-https://portal.test.example}
D_ORIGIN2=${D_ORIGIN2:-https://other-portal.test.example}
D_PORT=""
D_PID=""
D_PINENTRY_ARGS=$E2E_TMP/pinentry.args # the test pinentry's arguments (one line)
D_PINENTRY_REC=$E2E_TMP/pinentry.rec   # what every started pinentry received ("PID n", lines)
D_PINENTRY=$E2E_TMP/pinentry           # the program tscnsd runs
D_CONFIG=$E2E_TMP/tscnsd.json          # an empty configuration: only the flags count
D_HEAD=$E2E_TMP/resp.head              # headers of the last d_call
D_BODY=$E2E_TMP/resp.body              # body of the last d_call
D_STATUS=""                            # HTTP status of the last d_call (000: no answer)
D_TIME=""                              # its duration in seconds (curl's time_total)

cat >"$D_PINENTRY" <<EOF
#!/bin/sh
# Scripted pinentry for tscnsd's tests: the arguments come from $D_PINENTRY_ARGS.
exec "$TSCNS_TEST_PINENTRY" \$(cat "$D_PINENTRY_ARGS") --record "$D_PINENTRY_REC"
EOF
chmod 755 "$D_PINENTRY"
: >"$D_PINENTRY_ARGS"
echo '{}' >"$D_CONFIG"

# d_pinentry ARGS...: how the next dialogs answer (tscns-test-pinentry arguments: --pin P,
# --cancel, --timeout, --hang, --not-confirm); forgets what earlier pinentries recorded.
d_pinentry() {
  printf '%s\n' "$*" >"$D_PINENTRY_ARGS"
  rm -f "$D_PINENTRY_REC"
}

# d_pinentry_started: true when a pinentry was started since the last d_pinentry.
d_pinentry_started() { [[ -s $D_PINENTRY_REC ]] && grep -q '^PID ' "$D_PINENTRY_REC"; }
d_pinentry_not_started() { ! d_pinentry_started; }
# d_pinentry_count: how many pinentries were started since the last d_pinentry.
d_pinentry_count() { { grep -c '^PID ' "$D_PINENTRY_REC" 2>/dev/null || true; } | head -n 1; }
# d_pinentry_got COMMAND: true when a started pinentry received COMMAND (e.g. GETPIN).
d_pinentry_got() { [[ -f $D_PINENTRY_REC ]] && grep -q "^$1" "$D_PINENTRY_REC"; }
# d_wait_pinentry COMMAND [SECONDS]: waits until a pinentry received COMMAND.
d_wait_pinentry() {
  local _
  for _ in $(seq $((${2:-10} * 10))); do
    d_pinentry_got "$1" && return 0
    sleep 0.1
  done
  return 1
}

# d_free_port: a loopback TCP port for tscnsd or a test portal (27200-27999).
d_free_port() { e2e_free_port 27200 27999; }

# d_start [tscnsd options...]: starts tscnsd on a free loopback port allowing D_ORIGIN (and
# whatever the options add), with the scripted pinentry; waits until it answers /v1/status.
# Sets D_PORT and D_PID. Stopped at exit (or by d_stop).
d_start() {
  local _ __
  for _ in 1 2 3; do
    D_PORT=$(d_free_port)
    "$TSCNSD" --config "$D_CONFIG" --port "$D_PORT" --allow-origin "$D_ORIGIN" \
      --pinentry "$D_PINENTRY" --log-level debug "$@" >>"$E2E_TMP/tscnsd.log" 2>&1 &
    D_PID=$!
    for __ in $(seq 100); do
      kill -0 "$D_PID" 2>/dev/null || break
      if d_call GET /v1/status >/dev/null 2>&1 && [[ $D_STATUS == 200 ]]; then
        e2e_log "tscnsd (pid $D_PID) on 127.0.0.1:$D_PORT"
        return 0
      fi
      sleep 0.1
    done
    e2e_stop_pid "$D_PID"
    D_PID=""
  done
  e2e_fail "tscnsd did not start (see tscnsd.log)"
}

# d_stop: stops tscnsd (SIGTERM, as systemd would) and waits for it.
d_stop() {
  [[ -n $D_PID ]] || return 0
  e2e_stop_pid "$D_PID"
  D_PID=""
}
e2e_at_exit d_stop

# d_call METHOD PATH [BODY|@FILE] [curl options...]: one request shaped like Chromium's fetch
# from D_ORIGIN through cns-auth.js. Headers are set by variables (unset: the browser's value,
# "-": left out): D_H_ORIGIN, D_H_HOST, D_H_CLIENT, D_H_CT, D_H_SITE (Sec-Fetch-Site), D_H_MODE
# (Sec-Fetch-Mode). Sets D_STATUS and D_TIME; headers and body go to D_HEAD and D_BODY. Prints
# D_STATUS.
d_call() {
  local method=$1 path=$2 body=${3-}
  shift 2
  (($# > 0)) && shift
  local origin=${D_H_ORIGIN-$D_ORIGIN} client=${D_H_CLIENT-1} site=${D_H_SITE-cross-site}
  local mode=${D_H_MODE-cors} ct=${D_H_CT-}
  [[ $method == POST && -z ${D_H_CT+x} ]] && ct=application/json
  local args=(-sS -X "$method" -o "$D_BODY" -D "$D_HEAD" -w '%{http_code} %{time_total}'
    --max-time "${D_MAX_TIME:-60}" --noproxy '*' -H 'Expect:' -H 'Accept: */*')
  [[ $origin != - && -n $origin ]] && args+=(-H "Origin: $origin")
  [[ ${D_H_HOST:--} != - ]] && args+=(-H "Host: $D_H_HOST")
  [[ $client != - && -n $client ]] && args+=(-H "X-CNS-Client: $client")
  [[ $ct != - && -n $ct ]] && args+=(-H "Content-Type: $ct")
  [[ $site != - && -n $site ]] && args+=(-H "Sec-Fetch-Site: $site")
  [[ $mode != - && -n $mode ]] && args+=(-H "Sec-Fetch-Mode: $mode")
  if [[ -n $body ]]; then
    if [[ $body == @* ]]; then args+=(--data-binary "$body"); else args+=(--data-raw "$body"); fi
  fi
  : >"$D_HEAD"
  : >"$D_BODY"
  local out
  out=$(curl "${args[@]}" "$@" "http://127.0.0.1:$D_PORT$path" 2>>"$E2E_TMP/curl.log") || true
  # shellcheck disable=SC2034 # D_TIME is read by callers (bench/daemon)
  read -r D_STATUS D_TIME <<<"${out:-000 0}"
  echo "$D_STATUS"
}

# d_bg METHOD PATH [BODY] [curl options...]: d_call in the background (its own answer files,
# so that requests made meanwhile do not mix with it); d_bg_wait collects it as the last answer.
d_bg() {
  (D_HEAD=$E2E_TMP/bg.head D_BODY=$E2E_TMP/bg.body d_call "$@" >"$E2E_TMP/bg.status") &
  D_BG=$!
}
d_bg_wait() {
  wait "$D_BG" || true
  cp "$E2E_TMP/bg.head" "$D_HEAD"
  cp "$E2E_TMP/bg.body" "$D_BODY"
  D_STATUS=$(cat "$E2E_TMP/bg.status" 2>/dev/null || echo 000)
}


# d_code: the error code of the last answer ("" when none).
d_code() { jq -r '.error.code // empty' "$D_BODY" 2>/dev/null || true; }
# d_header NAME: the value of header NAME in the last answer ("" when absent).
d_header() {
  awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" -F': ' \
    'tolower($1) == n { sub(/\r$/, "", $2); print $2; exit }' "$D_HEAD"
}
# d_no_cors: true when the last answer carries no Access-Control-* header.
d_no_cors() { ! grep -qi '^access-control-' "$D_HEAD"; }
# d_expect STATUS CODE: the last answer had HTTP STATUS and error code CODE ("" for none).
d_expect() { [[ $D_STATUS == "$1" && $(d_code) == "$2" ]]; }
# d_says STATUS CODE: prints what the last answer was, for check names.
d_said() { echo "$D_STATUS $(d_code)"; }

# d_challenge: 32 random bytes, base64url without padding (43 characters), as a login service.
d_challenge() { head -c 32 /dev/urandom | basenc --base64url | tr -d '=\n'; }

# d_auth_body CHALLENGE CONTEXT [CARD_ID]: an authenticate body as cns-auth.js sends it.
d_auth_body() {
  if [[ -n ${3:-} ]]; then
    jq -cn --arg c "$1" --arg x "$2" --arg id "$3" '{challenge: $c, context: $x, lang: "it", expected: {cardId: $id}}'
  else
    jq -cn --arg c "$1" --arg x "$2" '{challenge: $c, context: $x, lang: "it"}'
  fi
}

# d_wait_card_present true|false: waits until /v1/status reports cardPresent so.
d_wait_card_present() {
  local _
  for _ in $(seq 100); do
    d_call GET /v1/status >/dev/null
    [[ $D_STATUS == 200 && $(jq -r .cardPresent "$D_BODY") == "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}

# d_make_crl CARD_DIR OUT [REVOKE_CERT]: e2e_make_crl of lib.sh (the portal's tests use it too).
d_make_crl() { e2e_make_crl "$@"; }
