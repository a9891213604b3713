#!/usr/bin/env bash
# `make bench`: the measured runs behind BENCHMARKS.md (not part of `make test`).
#   1. pipeline load on SQLite: board page with 2 000 open opportunities, 50 clients moving cards;
#   2. the same on a throwaway PostgreSQL cluster;
#   3. customers: imports, plus/minus and trend lists over 100 000 customers × 3 years of sales;
#   4. in Chromium (Playwright): frames during a drag over that 2 000-card board, the forecast
#      engine and panel in wasm, and the SMART check per keystroke in the target editor;
#   5. the forecast engine natively (criterion), to set beside the wasm figure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/setup.sh test
source scripts/env.sh
CLIENTS=${CLIENTS:-50}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}

WORK=$(mktemp -d /tmp/pacer-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_DATA=""
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$PG_BIN/$1" "${@:2}"; else "$PG_BIN/$1" "${@:2}"; fi
}
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$PG_DATA" ]; then pg_run pg_ctl -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "==> Release build"
cargo leptos build --release --split
cargo build --release -p server --example pipeline_load --example turnover_lists

LOAD="$TARGET_DIR/release/examples/pipeline_load"
echo "==> Pipeline load, SQLite: closed loop (throughput ceiling), then open loop at 1 000 moves/s"
"$LOAD" --database-url "sqlite://$WORK/board.db" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
"$LOAD" --database-url "sqlite://$WORK/paced.db" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --rate 1000

echo "==> Pipeline load, PostgreSQL: closed loop, then open loop at 500 moves/s"
PG_DATA="$WORK/pg"
PG_PORT=$(free_port)
mkdir -p "$PG_DATA"
[ "$(id -u)" -eq 0 ] && chown postgres "$PG_DATA"
pg_run initdb -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
pg_run pg_ctl -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
  -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_closed" -c "CREATE DATABASE pacer_paced" >/dev/null
"$LOAD" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_closed" \
  --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
"$LOAD" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_paced" \
  --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --rate 500

echo "==> Customers: imports, then plus/minus and trend lists over 100 000 customers with 3.6 M sales (SQLite, then Postgres)"
"$TARGET_DIR/release/examples/turnover_lists" --database-url "sqlite://$WORK/turnover.db"
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_turnover" >/dev/null
"$TARGET_DIR/release/examples/turnover_lists" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_turnover"

echo "==> In Chromium: frames during a drag over 2 000 open opportunities; forecast engine and panel; the SMART check per keystroke"
PORT=$(free_port)
DATABASE_URL="sqlite://$WORK/board.db" \
LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
  "$TARGET_DIR/release/server" > "$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
(cd end2end && PACER_URL="http://127.0.0.1:$PORT" npx playwright test -c playwright.bench.config.ts)

echo "==> Forecast engine natively (criterion)"
cargo bench -p app --bench forecast
