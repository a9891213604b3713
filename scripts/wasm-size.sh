#!/usr/bin/env bash
# Prints the size of the release wasm + JS the browser downloads, raw and gzipped.
#   scripts/wasm-size.sh [--check LIMIT_KB]   fails when the gzipped total exceeds LIMIT_KB
set -euo pipefail
cd "$(dirname "$0")/.."
PKG=target/site/pkg
[ -f "$PKG/pacer.wasm" ] || { echo "no release build in $PKG: run cargo leptos build --release" >&2; exit 1; }
total_raw=0; total_gz=0
for f in "$PKG/pacer.wasm" "$PKG/pacer.js" "$PKG/pacer.css"; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  printf '    %-12s %8d B raw %8d B gzipped\n' "$(basename "$f")" "$raw" "$gz"
  case "$f" in *.css) ;; *) total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)) ;; esac
done
printf '    wasm + JS    %8d B raw %8d B gzipped (%d KB)\n' "$total_raw" "$total_gz" $((total_gz / 1024))
if [ "${1:-}" = --check ]; then
  limit=$(( ${2:?limit in KB} * 1024 ))
  [ "$total_gz" -le "$limit" ] || { echo "    over the limit of $2 KB gzipped" >&2; exit 1; }
fi
