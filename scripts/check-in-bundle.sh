#!/usr/bin/env bash
# The check-in page's own bundle (issue 21; frontend/check-in, the check-in screen drawn on its
# own): built after the app's `cargo leptos build`, then its JS and wasm (with their Brotli
# and gzip copies) are copied into the app's site as check-in.HASH.js and check-in.HASH.wasm.
# The server finds them through check-in-hash.txt, which the build writes beside the server
# binary; without them /check-in loads the whole app, as every other page does.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build --release --frontend-only --split --precompress --project pacer-check-in
src=target/site-check-in/pkg
dest=target/site/pkg
[ -d "$dest" ] || { echo "no $dest: build the app first (cargo leptos build)"; exit 1; }
rm -f "$dest"/check-in.*
copied=0
for file in "$src"/pacer.*; do
  case "$file" in
    *.js|*.wasm|*.js.br|*.js.gz|*.wasm.br|*.wasm.gz)
      name=$(basename "$file")
      cp "$file" "$dest/check-in.${name#pacer.}"
      copied=$((copied + 1));;
  esac
done
[ "$copied" -ge 2 ] || { echo "the check-in bundle's build left no JS and wasm in $src"; exit 1; }
