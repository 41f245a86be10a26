#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the tscns-portal end-to-end tests, the demo and bench/portal: a portal on a free
# loopback port over HTTPS (its self-signed certificate in XDG_DATA_HOME), requests with a cookie
# jar as a browser without JavaScript makes them, the SMS outbox, desk registration and the
# first access. Source it after lib.sh.
#
# Environment: PORTAL (the tscns-portal binary), required. P_BACKEND: sqlite (default: a file
# in E2E_TMP) or postgresql (a throwaway server, portal_pg_lib.sh's pg_start, stopped at exit).
# P_DB: the database URL, when given, instead.

: "${PORTAL:?PORTAL must name the tscns-portal binary}"
export XDG_DATA_HOME=${XDG_DATA_HOME:-$E2E_TMP/data}
if [[ -z ${P_DB:-} && ${P_BACKEND:-sqlite} == postgresql ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/portal_pg_lib.sh"
  pg_start
  P_DB=$PG_URL
fi
P_DB=${P_DB:-sqlite:$E2E_TMP/portal.sqlite}
P_JAR=$E2E_TMP/jar                 # the cookie jar of req/post
P_HEAD=$E2E_TMP/head               # headers of the last request
P_BODY=$E2E_TMP/body               # body of the last request
STATUS="" LOCATION=""              # HTTP status and Location of the last request
BASE=""                            # https://127.0.0.1:PORT of the last p_start

# p_start NAME [serve options...]: starts `tscns-portal serve` on a free port (28200-28899)
# with P_DB, waits until it listens (on P_LISTENERS ports: 2 with --client-cert-listen), sets
# BASE, P_PORT and P_PID; stopped at exit. NAME names its output files ($E2E_TMP/NAME.out,
# NAME.log). With P_PORT set beforehand, uses that port.
p_start() {
  local name=$1 _ pid
  shift
  local port=${P_PORT:-$(e2e_free_port 28200 28899)}
  "$PORTAL" serve --listen "127.0.0.1:$port" --db "$P_DB" "$@" >"$E2E_TMP/$name.out" \
    2>"$E2E_TMP/$name.log" &
  pid=$!
  e2e_at_exit "e2e_stop_pid $pid"
  local want=${P_LISTENERS:-1}
  for _ in $(seq 150); do
    (($(grep -c '^listening' "$E2E_TMP/$name.out") >= want)) && break
    kill -0 "$pid" 2>/dev/null || { cat "$E2E_TMP/$name.log" >&2; e2e_fail "tscns-portal ($name) exited"; }
    sleep 0.1
  done
  (($(grep -c '^listening' "$E2E_TMP/$name.out") >= want)) || e2e_fail "tscns-portal ($name) does not listen"
  P_PORT=$port
  BASE=https://127.0.0.1:$port
  P_PID=$pid
}

# req METHOD PATH|URL [curl args...]: one request (a PATH goes to BASE) with the cookie jar;
# sets STATUS and LOCATION; the body goes to P_BODY.
req() {
  local method=$1 url=$2
  shift 2
  [[ $url == https://* ]] || url=$BASE$url
  local out
  out=$(curl -sk -X "$method" -c "$P_JAR" -b "$P_JAR" -o "$P_BODY" -D "$P_HEAD" \
    -w '%{http_code}' --noproxy '*' "$@" "$url" 2>>"$E2E_TMP/curl.log") || true
  STATUS=$out
  LOCATION=$(awk -F': ' 'tolower($1) == "location" { sub(/\r$/, "", $2); print $2 }' "$P_HEAD")
}
# csrf: the csrf field of the last page.
csrf() { grep -o 'name="csrf" value="[^"]*"' "$P_BODY" | head -n 1 | sed 's/.*value="//; s/"$//'; }
# meta_csrf: the page's <meta name="csrf-token"> (what the card script sends as X-CSRF-Token).
meta_csrf() { grep -o '<meta name="csrf-token" content="[^"]*"' "$P_BODY" | sed 's/.*content="//; s/"$//'; }
# post PATH field=value...: a urlencoded form POST (give csrf=... yourself).
post() {
  local path=$1
  shift
  local args=()
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  req POST "$path" "${args[@]}"
}
# post_json PATH CSRF JSON: a fetch-like JSON POST with X-CSRF-Token and the portal's Origin.
post_json() {
  req POST "$1" -H "Content-Type: application/json" -H "X-CSRF-Token: $2" -H "Origin: $BASE" \
    --data-raw "$3"
}
# p_error_page: true when the last answer is a form shown again with an error.
p_error_page() { [[ $STATUS == 200 ]] && grep -q 'id="error"' "$P_BODY"; }
# p_new_session: forgets the cookies (a new browser).
p_new_session() { rm -f "$P_JAR"; }

sms() { "$PORTAL" sms list --db "$P_DB" --json; }
# last_code KIND: the code of the last SMS of KIND (provisional-password, otp).
last_code() { sms | jq -r --arg k "$1" '[.[] | select(.kind == $k)] | last | .code'; }

# p_register CF CARD_NUMBER [desk options...]: desk registration (mobile, names given by the
# options or defaults); sets P_USER, P_HALF1 (paper), P_HALF2 (SMS).
p_register() {
  local cf=$1 number=$2 reg
  shift 2
  reg=$("$PORTAL" desk register --db "$P_DB" --card-number "$number" --cf "$cf" \
    --mobile "${P_MOBILE:-+39 333 0000001}" --given-name "${P_GIVEN:-Mario}" \
    --surname "${P_SURNAME:-Rossi}" "$@" --json) || e2e_fail "desk register $cf"
  P_USER=$(jq -r .userId <<<"$reg")
  P_HALF1=$(jq -r .provisionalPasswordFirstHalf <<<"$reg")
  P_HALF2=$(last_code provisional-password)
}

# p_register_holder CARD_DIR CARD_NUMBER: p_register of a virtual card's holder (names, CF and
# card expiry from its card.json); sets P_CF too.
p_register_holder() {
  P_CF=$(e2e_json "$1" codiceFiscale)
  P_GIVEN=$(e2e_json "$1" givenName) P_SURNAME=$(e2e_json "$1" surname)
  p_register "$P_CF" "$2" --card-expiry "$(e2e_json "$1" expiryDate)"
}

# p_password USER PASSWORD: a new session, GET /login and POST the credentials (STATUS and
# LOCATION tell where the portal sends the user).
p_password() {
  p_new_session
  req GET /login
  post /login user_id="$1" password="$2" csrf="$(csrf)"
}

# p_first_access USER PROVISIONAL NEW_PASSWORD: provisional password, new password, SMS code;
# true when it ends at /home.
p_first_access() {
  p_password "$1" "$2"
  [[ "$STATUS $LOCATION" == "303 /login/new-password" ]] || return 1
  req GET /login/new-password
  post /login/new-password new_password="$3" new_password_confirm="$3" csrf="$(csrf)"
  [[ "$STATUS $LOCATION" == "303 /login/otp" ]] || return 1
  req GET /login/otp
  post /login/otp code="$(last_code otp)" csrf="$(csrf)"
  [[ "$STATUS $LOCATION" == "303 /home" ]]
}

# p_sms_login USER PASSWORD: password, then an SMS code; true when it ends at /home.
p_sms_login() {
  p_password "$1" "$2"
  [[ "$STATUS $LOCATION" == "303 /login/second-factor" ]] || return 1
  req GET /login/second-factor
  post /login/otp/send csrf="$(csrf)"
  req GET /login/otp
  post /login/otp code="$(last_code otp)" csrf="$(csrf)"
  [[ "$STATUS $LOCATION" == "303 /home" ]]
}

# p_sql SQL: runs SQL on P_DB (sqlite3 or psql), one row per line, columns split by |.
p_sql() {
  if [[ $P_DB == sqlite:* ]]; then
    sqlite3 "${P_DB#sqlite:}" "$1"
  else
    psql "$P_DB" -qAtc "$1"
  fi
}

# p_audit_has REGEX: true when a line "EVENT DETAIL" of the audit log matches REGEX (grep -E).
p_audit_has() { p_sql "SELECT event || ' ' || detail FROM audit_log" | grep -Eq -- "$1"; }
