# Sourced by the scripts: tools on PATH and where builds go.
# wasm-opt from npm's binaryen, found by cargo-leptos on PATH (it is built with no_downloads).
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
# leptos reads LEPTOS_OUTPUT_NAME at compile time (option_env!) to name the wasm file in the
# page. cargo-leptos sets it; `cargo test` must see the same value, or it rebuilds leptos and
# the server binary with a page that asks for pacer_bg.wasm, which does not exist.
export LEPTOS_OUTPUT_NAME=pacer
