#!/usr/bin/env bash
# Sign-in latency while a 1 M-line sales import runs (SQLite): issue 18, measured.
set -u
# Run from the repository after `make test` (it uses the release binary and target/site).
BIN=${CARGO_TARGET_DIR:-/var/cache/pacer/target}/release/server
W=$(mktemp -d)
python3 - "$W/sales.csv" <<'PY'
import sys, random
random.seed(1)
with open(sys.argv[1], 'w') as f:
    f.write("customer_ref,date,amount,reference\n")
    for i in range(1_000_000):
        f.write(f"BENCH-{i % 20000},2026-{1 + i % 11:02d}-{1 + i % 28:02d},{random.randint(1, 99999)}.{i % 100:02d},R-{i}\n")
PY
ls -la "$W/sales.csv"
cd "$(dirname "$0")/.."
DATABASE_URL="sqlite://$W/pacer.db" LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3999 RUST_LOG=warn "$BIN" > "$W/server.log" 2>&1 &
PID=$!
for i in $(seq 1 120); do curl -sf http://127.0.0.1:3999/healthz >/dev/null && break; sleep 1; done
ADMIN=sabine.krueger@pacer.demo
curl -s -c "$W/admin" -X POST -d "email=$ADMIN&password=pacer-demo" http://127.0.0.1:3999/api/login -o /dev/null -w "admin sign-in %{http_code}\n"
# Signs a rep in every half second while process $1 runs; one line per sign-in: status, seconds.
sign_in_while() {
  : > "$2"
  while kill -0 "$1" 2>/dev/null; do
    curl -s -X POST -d "email=lena.schulz@pacer.demo&password=pacer-demo" http://127.0.0.1:3999/api/login \
      -o /dev/null -w "%{http_code} %{time_total}\n" >> "$2"
    sleep 0.5
  done
}
report() {
  echo "sign-ins during the import: $(wc -l < "$1")"
  awk '{print $1}' "$1" | sort | uniq -c
  sort -n -k2 "$1" | awk '{a[NR]=$2} END {i=int(NR*0.99); if (i<1) i=1; print "fastest", a[1], "p99", a[i], "slowest", a[NR]}'
}

echo "== 1. The upload in the browser (/api/import/sales), in the server's process"
( /usr/bin/time -f "import took %e s" curl -s -b "$W/admin" -H 'content-type: text/csv' --data-binary @"$W/sales.csv" \
    http://127.0.0.1:3999/api/import/sales -o "$W/import.out" ) 2> "$W/import.time" &
IMPORT=$!
sleep 1
sign_in_while $IMPORT "$W/signins"
cat "$W/import.time"; tail -c 200 "$W/import.out"; echo
report "$W/signins"

echo "== 2. \`server import\` in another process, on the same file (a second million lines)"
sed 's/,R-/,S-/' "$W/sales.csv" > "$W/sales2.csv"
( DATABASE_URL="sqlite://$W/pacer.db" /usr/bin/time -f "import took %e s" "$BIN" import sales "$W/sales2.csv" \
    > "$W/import2.out" 2>&1 ) 2> "$W/import2.time" &
IMPORT=$!
sleep 1
sign_in_while $IMPORT "$W/signins2"
cat "$W/import2.time"; tail -c 200 "$W/import2.out"; echo
report "$W/signins2"
kill $PID
