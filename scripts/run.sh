#!/usr/bin/env bash
# `make run`: set up what is missing, build in release, serve Pacer on an embedded SQLite file
# (data/pacer.db) with the demo company loaded on first start. DATABASE_URL=postgres://… to use
# Postgres instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
source scripts/env.sh
exec cargo leptos serve --release --split --precompress
