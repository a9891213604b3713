# Sourced by the scripts: tools on PATH and where builds go.
# wasm-opt from npm's binaryen, found by cargo-leptos on PATH (it is built with no_downloads).
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
