#!/usr/bin/env bash
# Prints what the browser downloads, gzipped: the initial load every page needs (main wasm,
# its JS and the chunk loader), then for each lazily loaded route the chunks it adds on first
# visit (`cargo leptos build --split`; chunks shared by routes are counted for each route).
#   scripts/wasm-size.sh [--check INITIAL_KB ROUTE_KB]
#     fails when the initial load exceeds INITIAL_KB, or initial + any route's chunks ROUTE_KB
set -euo pipefail
cd "$(dirname "$0")/.."
PKG=target/site/pkg
MANIFEST=$PKG/__wasm_split_manifest.json
[ -f "$PKG/pacer.wasm" ] && [ -f "$MANIFEST" ] || {
  echo "no split release build in $PKG: run cargo leptos build --release --split" >&2; exit 1; }
gz() { gzip -9 -c "$1" | wc -c; }

initial=0
for f in "$PKG/pacer.wasm" "$PKG/pacer.js" "$PKG"/__wasm_split.*.js; do
  size=$(gz "$f"); initial=$((initial + size))
  printf '    %-44s %8d B gzipped\n' "$(basename "$f")" "$size"
done
printf '    %-44s %8d B gzipped (%d KB)\n' "initial load (every page)" "$initial" $((initial / 1024))

# The manifest maps each split route to its chunk files: "name": ["chunk_1", ...].
largest=0; largest_route=
while IFS= read -r line; do
  case "$line" in
    *'": ['*) route=$(sed -E 's/^ *"__(.*)_route_view_[0-9]+".*/\1/' <<<"$line"); route_bytes=0 ;;
    *'"'*) chunk=$(sed -E 's/^ *"([^"]+)".*/\1/' <<<"$line")
           route_bytes=$((route_bytes + $(gz "$PKG/$chunk.wasm"))) ;;
    *']'*) printf '    %-44s %8d B gzipped (%d KB with the initial load)\n' \
             "route $route" "$route_bytes" $(((initial + route_bytes) / 1024))
           if [ "$route_bytes" -gt "$largest" ]; then largest=$route_bytes; largest_route=$route; fi ;;
  esac
done < "$MANIFEST"

if [ "${1:-}" = --check ]; then
  initial_limit=$(( ${2:?initial limit in KB} * 1024 )); route_limit=$(( ${3:?route limit in KB} * 1024 ))
  [ "$initial" -le "$initial_limit" ] || { echo "    initial load over the limit of $2 KB gzipped" >&2; exit 1; }
  [ $((initial + largest)) -le "$route_limit" ] || {
    echo "    route $largest_route with the initial load is over the limit of $3 KB gzipped" >&2; exit 1; }
fi
