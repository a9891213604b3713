#!/usr/bin/env bash
# Installs what Pacer needs and is missing; a second run installs nothing.
#   scripts/setup.sh run    – what `make run` needs: wasm target, cargo-leptos, wasm-bindgen, wasm-opt
#   scripts/setup.sh test   – also Chromium and PostgreSQL for the tests
# Every tool comes from a package registry (crates.io, npm, Debian): nothing else is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-run}
CARGO_LEPTOS_VERSION=0.3.11
# Must equal the wasm-bindgen crate pinned in Cargo.toml: cargo-leptos does not check.
WASM_BINDGEN_VERSION=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')

say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  if [ $APT_UPDATED -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || { echo "Rust is required: install it with rustup first." >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Node and npm bring wasm-opt (npm's binaryen; Debian's binaryen 108 breaks the wasm) and Playwright.
command -v npm >/dev/null || apt_install nodejs npm

if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "Building cargo-leptos $CARGO_LEPTOS_VERSION (about 18 minutes on 2 cores, once)"
  apt_install pkg-config libssl-dev
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --ignore-rust-version
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "Building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # Not --locked: its lockfile asks for a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "Installing npm packages (binaryen, Playwright)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$MODE" = test ]; then
  # The test command checks formatting and lints first.
  for component in rustfmt clippy; do
    rustup component list --installed | grep -q "^$component" || rustup component add "$component"
  done
  apt_install chromium postgresql curl
  # The API fuzzing (schemathesis, from PyPI) runs in a virtualenv: Python 3.11+ with venv.
  python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || apt_install python3 python3-venv
fi
