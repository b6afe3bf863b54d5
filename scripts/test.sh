#!/usr/bin/env bash
# Runs every test: lint gates, native tests (parser, connection, server), the wasm tests
# in headless Chromium, Firefox and WebKitGTK, the Rust API's wasm-pack tests, the JS
# browser tests (Chromium, Firefox ESR, WebKitGTK) and Node tests, and a short fuzz run.
# Installs what is missing first (wasm target, wasm-bindgen-cli, chromium, firefox-esr +
# geckodriver, wasm-pack, webkit2gtk-driver + xvfb, npm packages, cargo-fuzz).
# Environment: FUZZ_SECONDS (per fuzz target, default 30; 0 skips fuzzing); SOAK_CYCLES and
# SOAK_RECONNECTS (sizes of tests/browser/soak.test.mjs, default 200 and 100).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$SECONDS
log=$(mktemp)
trap 'stop_server; stop_webkit_driver; rm -f "$log"' EXIT

# Runs a step, streaming its output and keeping a copy for the final tally.
run() {
  step "$*"
  "$@" 2>&1 | tee -a "$log"
}

ensure_all

run cargo fmt --all --check
run cargo clippy -q --workspace --all-targets -- -D warnings
run cargo clippy -q --lib --test web_window --test web_worker --test client --test client_worker \
  --target wasm32-unknown-unknown --features panic-hook,client -- -D warnings
# The Rust API alone, as a Rust app builds it (without the JS class's glue).
run cargo clippy -q --lib --target wasm32-unknown-unknown --no-default-features --features client \
  -- -D warnings

run cargo test -q --workspace
run node_modules/.bin/tsc -p tests/types

SERVER_LOG=$(mktemp) start_server
echo "SSE test server at $SSE_SERVER_URL"
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}
run cargo test --target wasm32-unknown-unknown --test web_window --test web_worker \
  --features panic-hook
# The same wasm tests in Firefox (the runner picks geckodriver when CHROMEDRIVER is unset).
run env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test --target wasm32-unknown-unknown --test web_window --test web_worker \
  --features panic-hook
# And in WebKitGTK (the runner's Safari support, pointed at WebKitWebDriver), with the
# Rust API's tests (wasm-pack's --safari needs a real safaridriver).
start_webkit_driver
run env -u CHROMEDRIVER SAFARIDRIVER_REMOTE="$WEBKIT_DRIVER_URL" \
  cargo test --target wasm32-unknown-unknown --test web_window --test web_worker \
  --test client --test client_worker --features panic-hook,client
stop_webkit_driver
# The Rust API (feature `client`) the way Rust users test it: wasm-pack, Chromium then
# Firefox, each in a window and a dedicated worker (CHROMEDRIVER from lib.sh picks
# Chromium for --chrome; GECKODRIVER must stay unset or both passes use Firefox).
run wasm-pack test --headless --chrome --firefox --features client --test client --test client_worker

run bash scripts/build.sh
# The Rust example app (examples/rust-client, a workspace of its own), built as a Rust
# user builds it, into examples/rust-client/pkg/ for tests/browser/rust_example.test.mjs.
# In a target directory of its own: eventsource-wasm is a cdylib + rlib, whose rlib file
# name carries no hash, so the builds above (other features) would overwrite the one the
# example links against while cargo still counts the example's copy as fresh.
example_target="${CARGO_TARGET_DIR:-$ROOT/target}/rust-client-example"
run env CARGO_TARGET_DIR="$example_target" \
  cargo build -q --manifest-path examples/rust-client/Cargo.toml --target wasm32-unknown-unknown
run wasm-bindgen --target web --no-typescript --out-dir examples/rust-client/pkg \
  "$example_target/wasm32-unknown-unknown/debug/rust_client_example.wasm"
# Two test files at a time (the Chromium suite beside Firefox's, WebKit's, the soak…):
# they spend most of their time waiting on the server's timed scripts, so two cores run
# two of them side by side (563 s → 309 s warm, with the same results).
run node --test --test-reporter=spec --test-concurrency=2 tests/browser/ tests/node/
stop_server

if [ "${FUZZ_SECONDS:-30}" != 0 ] && [ -f fuzz/Cargo.toml ]; then
  step "fuzzing ${FUZZ_SECONDS:-30}s per target"
  bash scripts/fuzz.sh
fi

# One closing line over every runner above (cargo/wasm-bindgen: "N passed; M failed";
# node: "pass N" / "fail N").
passed=$(grep -oE '[0-9]+ passed; [0-9]+ failed' "$log" | awk '{p+=$1} END {print p+0}')
failed=$(grep -oE '[0-9]+ passed; [0-9]+ failed' "$log" | awk '{f+=$3} END {print f+0}')
passed=$((passed + $(grep -aoE '^. pass [0-9]+$' "$log" | awk '{s+=$3} END {print s+0}')))
failed=$((failed + $(grep -aoE '^. fail [0-9]+$' "$log" | awk '{s+=$3} END {print s+0}')))
echo
echo "all tests in $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
