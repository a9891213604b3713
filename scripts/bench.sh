#!/usr/bin/env bash
# `make bench`: the measured runs behind BENCHMARKS.md (not part of `make test`).
#   1. pipeline load on SQLite: board page with 2 000 open opportunities, 50 clients moving cards;
#   2. the same on a throwaway PostgreSQL cluster;
#   3. customers: imports, plus/minus and trend lists over 100 000 customers × 3 years of sales;
#   4. in Chromium (Playwright): frames during a drag over that 2 000-card board, the forecast
#      engine and panel in wasm, and the SMART check per keystroke in the target editor;
#   5. the forecast engine natively (criterion), to set beside the wasm figure;
#   6. authenticated reads of the JSON API (wrk), on SQLite and on Postgres;
#   7. signing in while 200 attempts a second for random addresses arrive (the server binary
#      in its own process, its RSS sampled), from one address and from many.
#   8. page weight, requests and time to usable per page on a throttled phone, and the
#      server's memory after browsing, 200 sign-ins and API reads (issue 21);
#   9. the board at company scale: 50 000 open opportunities, page, moves, drag, what-if.
# BENCH_ONLY="moves api" runs only those parts (moves, postgres, customers, browser, engine,
# api, signin, weight, scale); the release build always runs, and browser drags the board that moves builds.
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
# Starts the release server on DATABASE $1 (log $2) at a free PORT, and waits until it answers.
serve_db() {
  PORT=$(free_port)
  DATABASE_URL="$1" \
  LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
    "$TARGET_DIR/release/server" > "$2" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
}
ONLY=${BENCH_ONLY:-all}
wanted() { [ "$ONLY" = all ] || [[ " $ONLY " == *" $1 "* ]]; }
# A throwaway PostgreSQL cluster, started the first time a part needs it.
start_pg() {
  [ -n "$PG_DATA" ] && return 0
  PG_DATA="$WORK/pg"
  PG_PORT=$(free_port)
  mkdir -p "$PG_DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DATA"
  pg_run initdb -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  pg_run pg_ctl -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}

echo "==> Release build"
# With the timing hooks the browser benchmarks read (not in the wasm `make run` serves).
cargo leptos build --release --split --precompress --lib-features bench-timings --project pacer
scripts/check-in-bundle.sh
cargo build --release -p server --example pipeline_load --example turnover_lists --example sign_in_load

if wanted signin; then
echo "==> Sign-in under attack: 10 people signing in, 200 attempts/s for random addresses"
"$TARGET_DIR/release/examples/sign_in_load" --server "$TARGET_DIR/release/server" --attack-from one --seconds "$SECONDS_PER_RUN"
"$TARGET_DIR/release/examples/sign_in_load" --server "$TARGET_DIR/release/server" --attack-from many --seconds "$SECONDS_PER_RUN"
fi

LOAD="$TARGET_DIR/release/examples/pipeline_load"
if wanted moves; then
echo "==> Pipeline load, SQLite: closed loop (throughput ceiling), then open loop at 1 000 moves/s"
"$LOAD" --database-url "sqlite://$WORK/board.db" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
"$LOAD" --database-url "sqlite://$WORK/paced.db" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --rate 1000
fi

if wanted postgres; then
echo "==> Pipeline load, PostgreSQL: closed loop, then open loop at 500 moves/s"
start_pg
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_closed" -c "CREATE DATABASE pacer_paced" >/dev/null
"$LOAD" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_closed" \
  --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
"$LOAD" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_paced" \
  --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --rate 500
fi

if wanted customers; then
start_pg
echo "==> Customers: imports, then plus/minus and trend lists over 100 000 customers with 3.6 M sales (SQLite, then Postgres)"
"$TARGET_DIR/release/examples/turnover_lists" --database-url "sqlite://$WORK/turnover.db"
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_turnover" >/dev/null
"$TARGET_DIR/release/examples/turnover_lists" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_turnover"
fi

if wanted browser; then
echo "==> In Chromium: frames during a drag over 2 000 open opportunities; forecast engine and panel; the SMART check per keystroke"
serve_db "sqlite://$WORK/board.db" "$WORK/server.log"
(cd end2end && PACER_URL="http://127.0.0.1:$PORT" npx playwright test -c playwright.bench.config.ts drag forecast smart)
fi

# Issue 21: the board at company scale. 50 000 open opportunities (copies of the demo's), the
# admin's company view: the board page (time and bytes on the wire), 50 clients moving cards;
# then in Chromium the drag frames and the forecast's what-if over that board.
if wanted scale; then
echo "==> The board at company scale, SQLite: 50 000 open opportunities, board page, then moves"
"$LOAD" --database-url "sqlite://$WORK/scale.db" --open 50000 --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
start_pg
echo "==> The board at company scale, PostgreSQL"
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_scale" >/dev/null
"$LOAD" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/pacer_scale" --open 50000 --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN"
echo "==> In Chromium: drag frames and the forecast's what-if on the 50 000-opportunity board"
serve_db "sqlite://$WORK/scale.db" "$WORK/scale-server.log"
(cd end2end && PACER_URL="http://127.0.0.1:$PORT" npx playwright test -c playwright.bench.config.ts drag forecast)
fi

# Issue 21: what a page costs on first visit (bytes on the wire, requests, time to usable on a
# throttled phone), then the server's memory with the demo company after that browsing,
# 200 sign-ins (8 at a time) and the API read load: VmRSS now and VmHWM (the peak).
if wanted weight; then
echo "==> Page weight in Chromium (demo company, cold cache), then the server's memory"
PORT=$(free_port)
DATABASE_URL="sqlite://$WORK/weight.db" \
LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true \
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn PACER_API_RATE=1000000 PACER_API_BURST=1000000 \
  "$TARGET_DIR/release/server" > "$WORK/weight.log" 2>&1 &
WEIGHT_PID=$!
PIDS+=($WEIGHT_PID)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
memory() { grep -E "VmRSS|VmHWM" "/proc/$WEIGHT_PID/status" | tr -s ' \t' ' ' | paste -sd ' '; }
echo "    memory after start: $(memory)"
(cd end2end && PACER_URL="http://127.0.0.1:$PORT" npx playwright test -c playwright.bench.config.ts weight)
echo "    memory after the browsing: $(memory)"
seq 1 200 | xargs -P 8 -I{} curl -fs -o /dev/null -X POST -H "Sec-Fetch-Site: same-origin" \
  --data-urlencode "email=lena.schulz@pacer.demo" --data-urlencode "password=pacer-demo" \
  "http://127.0.0.1:$PORT/api/login" || true
echo "    memory after 200 sign-ins: $(memory)"
token=$(DATABASE_URL="sqlite://$WORK/weight.db" "$TARGET_DIR/release/server" api-token --email sabine.krueger@pacer.demo --name bench)
command -v wrk >/dev/null || { sudo_apt=$([ "$(id -u)" -eq 0 ] || echo sudo); $sudo_apt apt-get install -y -qq wrk >/dev/null; }
wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$PORT/api/v1/opportunities?page_size=50" | grep -E "Requests/sec|Non-2xx|Socket errors"
echo "    memory after the API reads: $(memory)"
# 50 clients moving cards at 500 moves/s for the run's length, against this same server.
"$TARGET_DIR/release/examples/pipeline_load" --url "http://127.0.0.1:$PORT" --database-url "sqlite://$WORK/weight.db" \
  --open 0 --pages 0 --clients 50 --rate 500 --seconds "$SECONDS_PER_RUN" | grep -E "moves/s|p50|errors" || true
echo "    memory after the moves: $(memory)"
fi

if wanted engine; then
echo "==> Forecast engine natively (criterion)"
cargo bench -p app --bench forecast
fi

# The API under a load generator on loopback: a demo company, an admin token (the widest
# scope, so every read joins the most rows), GET /api/v1/opportunities?page_size=50.
# The per-token rate limit is a policy, not a capacity: it is set out of the way here, but
# the limiter still runs on every request.
command -v wrk >/dev/null || { sudo_apt=$([ "$(id -u)" -eq 0 ] || echo sudo); $sudo_apt apt-get install -y -qq wrk >/dev/null; }
api_reads() {
  local db=$1 label=$2 port token pid out
  DATABASE_URL="$db" "$TARGET_DIR/release/server" seed-demo >/dev/null
  token=$(DATABASE_URL="$db" "$TARGET_DIR/release/server" api-token --email sabine.krueger@pacer.demo --name bench)
  port=$(free_port)
  DATABASE_URL="$db" PACER_API_RATE=1000000 PACER_API_BURST=1000000 \
  LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
    "$TARGET_DIR/release/server" > "$WORK/api-$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  local url="http://127.0.0.1:$port/api/v1/opportunities?page_size=50"
  curl -fs -H "Authorization: Bearer $token" "$url" | python3 -c 'import json,sys; n=len(json.load(sys.stdin)["items"]); assert n == 50, n'
  echo "--- $label: GET /api/v1/opportunities?page_size=50, ${API_CONNECTIONS:-32} connections, ${SECONDS_PER_RUN}s"
  out=$(wrk -t1 -c"${API_CONNECTIONS:-32}" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $token" "$url")
  echo "$out"
  kill "$pid"
  # wrk prints these lines only when something failed: any of them fails the benchmark.
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "errors under load ($label)" >&2; exit 1; fi
}
if wanted api; then
echo "==> API reads, SQLite"
api_reads "sqlite://$WORK/api.db" sqlite
start_pg
echo "==> API reads, PostgreSQL"
pg_run psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pacer_api" >/dev/null
api_reads "postgres://postgres@127.0.0.1:$PG_PORT/pacer_api" postgres
fi
