#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian 12 packages tscns needs to build, test and run the demo. Idempotent: only
# missing packages are installed, and apt-get update runs only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  libssl-dev libpcsclite-dev nlohmann-json3-dev libcmocka-dev
  # runtime and end-to-end tests: PC/SC daemon, the virtual reader driver, OpenSC as a client
  pcscd vsmartcard-vpcd opensc opensc-pkcs11 openssl procps jq
  # PKCS#11 clients for the module tests: NSS tools (certutil, modutil, tstclnt), GnuTLS (p11tool,
  # gnutls-cli), the libp11 OpenSSL engine, p11-kit
  libnss3-tools gnutls-bin libengine-pkcs11-openssl p11-kit libp11-kit-dev
  # the daemon and its verifier: HTTP, the challenge store
  libcpp-httplib-dev libsqlite3-dev
  # tscns-portal: argon2id (libsodium), PostgreSQL client library, and the PostgreSQL server its
  # tests start in a temporary directory
  libsodium-dev libpq-dev postgresql
  # formatting check; the documentation check renders the man pages (docs/check.sh)
  clang-format groff-base man-db
  # the daemon's browser test and benchmark (tests/e2e/daemon_*.sh, bench/daemon): Debian's
  # Chromium, driven headless by playwright-core from npm (tests/browser, never a downloaded
  # browser); wrk for the status load; curl for the HTTP checks
  chromium wrk curl
)
# Node.js and npm for tests/browser, only where no node is installed (Debian 12's nodejs is 18;
# a machine that already has another Node.js keeps it).
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
