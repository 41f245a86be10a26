#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the browser tests (daemon_browser.sh, portal_browser.sh): Debian's Chromium and
# playwright-core from tests/browser, installed with `npm ci` from its package-lock.json into the
# build tree (the source tree stays clean; no install scripts, no browser download). Source it
# after lib.sh.
#
# Environment: CHROMIUM (default /usr/bin/chromium), TSCNS_BUILD_DIR, TSCNS_SOURCE_DIR.

B_SRC=${TSCNS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
B_WORK=${TSCNS_BUILD_DIR:-$E2E_TMP}/browser-test # the drivers and node_modules

# b_setup: checks Chromium, node and npm; copies tests/browser's files into B_WORK and runs
# `npm ci` there when node_modules is missing or the lock file changed.
b_setup() {
  [[ -x $CHROMIUM ]] || e2e_fail "no $CHROMIUM: install Debian's chromium (scripts/install-deps.sh)"
  { command -v node && command -v npm; } >/dev/null || e2e_fail "node and npm are needed (scripts/install-deps.sh)"
  mkdir -p "$B_WORK"
  cp "$B_SRC"/tests/browser/{package.json,package-lock.json,page.html} "$B_SRC"/tests/browser/*.mjs "$B_WORK/"
  local stamp
  stamp=$(sha256sum "$B_WORK/package-lock.json" | cut -d' ' -f1)
  if [[ ! -d $B_WORK/node_modules/playwright-core || $(cat "$B_WORK/.npm-ci-stamp" 2>/dev/null) != "$stamp" ]]; then
    e2e_log "npm ci in $B_WORK"
    (cd "$B_WORK" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund \
      >"$E2E_TMP/npm.log" 2>&1) || { cat "$E2E_TMP/npm.log" >&2; e2e_fail "npm ci (tests/browser)"; }
    echo "$stamp" >"$B_WORK/.npm-ci-stamp"
  fi
}
