#!/usr/bin/env bash
# Prints what the browser downloads for its code, as sent: the initial load every page needs
# (main wasm, its JS, the chunk loader, the stylesheet), then for each lazily loaded page group
# the chunks it adds on first visit (`cargo leptos build --split`; chunks shared by groups are
# counted for each). Sizes are Brotli where the build precompressed (`--precompress`, what the
# server sends to every current browser), else gzip -9; requests are files fetched.
# The check-in page opened directly (the installed app's start page) loads a bundle of its own
# instead (frontend/check-in: check-in.HASH.js and .wasm, and the stylesheet), listed last.
#   scripts/wasm-size.sh [--check INITIAL_KB ROUTE_KB ROUTE_REQUESTS CHECK_IN_KB]
#     fails when the initial load exceeds INITIAL_KB, the initial load with any group's chunks
#     exceeds ROUTE_KB or ROUTE_REQUESTS, or the check-in page's own bundle exceeds CHECK_IN_KB
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'EOF'
import glob, gzip, json, os, sys

PKG = "target/site/pkg"
def one(pattern):
    found = [f for f in glob.glob(os.path.join(PKG, pattern)) if not f.endswith((".br", ".gz"))]
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {PKG}, found {len(found)}: run cargo leptos build --release --split --precompress")
    return found[0]

def sent(path):
    """(bytes, encoding) as the server sends the file to a browser that takes Brotli."""
    if os.path.exists(path + ".br"):
        return os.path.getsize(path + ".br"), "br"
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 9)), "gzip"

initial_files = [one("pacer*.wasm"), one("pacer*.js"), one("__wasm_split*.js"), one("pacer*.css")]
initial = 0
for f in initial_files:
    size, enc = sent(f)
    initial += size
    print(f"    {os.path.basename(f):58} {size:8} B {enc}")
print(f"    {'initial load (every page), ' + str(len(initial_files)) + ' requests':58} {initial:8} B ({initial // 1024} KB)")

def group_of(split):
    """`__board_route_view_6499622503946016144` -> `board`."""
    return split.strip("_").rsplit("_", 1)[0].removesuffix("_route_view")

with open(one("__wasm_split_manifest*.json")) as f:
    manifest = json.load(f)
largest = (0, 0, "")
for name, chunks in sorted(manifest.items()):
    group = group_of(name)
    size = sum(sent(os.path.join(PKG, c + ".wasm"))[0] for c in chunks)
    requests = len(initial_files) + len(chunks)
    print(f"    {'group ' + group + ', ' + str(len(chunks)) + ' chunks':58} {size:8} B "
          f"({(initial + size) // 1024} KB and {requests} requests with the initial load)")
    largest = max(largest, (initial + size, requests, group))
most_requests = max((len(initial_files) + len(c), group_of(n)) for n, c in manifest.items())

if glob.glob(os.path.join(PKG, "check-in.*.wasm")):
    check_in_files = [one("check-in*.wasm"), one("check-in*.js"), one("pacer*.css")]
    check_in = sum(sent(f)[0] for f in check_in_files)
    print(f"    {'check-in page on its own (check-in.*.wasm, .js, the CSS)':58} {check_in:8} B "
          f"({check_in // 1024} KB and {len(check_in_files)} requests)")
else:
    check_in = None
    print("    check-in page on its own: not built (scripts/check-in-bundle.sh)")

args = sys.argv[1:]
if args and args[0] == "--check":
    initial_kb, route_kb, route_requests, check_in_kb = (int(a) for a in args[1:5])
    if check_in is None:
        sys.exit("    the check-in page's own bundle is not built: run scripts/check-in-bundle.sh")
    if check_in > check_in_kb * 1024:
        sys.exit(f"    the check-in page's own bundle is over the limit of {check_in_kb} KB")
    if initial > initial_kb * 1024:
        sys.exit(f"    initial load over the limit of {initial_kb} KB")
    if largest[0] > route_kb * 1024:
        sys.exit(f"    group {largest[2]} with the initial load is over the limit of {route_kb} KB")
    if most_requests[0] > route_requests:
        sys.exit(f"    {most_requests[1]} with the initial load takes {most_requests[0]} requests, over the limit of {route_requests}")
EOF
