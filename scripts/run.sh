#!/usr/bin/env bash
# `make run`: set up what is missing, build in release, serve Pacer on an embedded SQLite file
# (data/pacer.db) with the demo company loaded on first start. DATABASE_URL=postgres://… to use
# Postgres instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
source scripts/env.sh
cargo leptos build --release --split --precompress --project pacer
# The check-in page's own, smaller bundle (issue 21), copied into the app's site.
scripts/check-in-bundle.sh
# What `cargo leptos serve` would set; it is not used because it would build the app's site
# again, and that empties the directory the check-in bundle was copied into.
export LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME=hash.txt LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
echo "Pacer on http://$LEPTOS_SITE_ADDR"
exec "$TARGET_DIR/release/server"
