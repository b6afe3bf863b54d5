#!/usr/bin/env bash
# Events/s through each Rust EventSource API in one page (eventsource-wasm's `client`,
# gloo-net, reqwest-eventsource), on the tiny and 1 KiB workloads, in headless Chromium
# then Firefox. Prints one BENCH line per (workload, API); README "From Rust" has a run.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
ensure_wasm_target
ensure_wasm_bindgen
ensure_chromium
ensure_firefox
trap stop_server EXIT
start_server
cd "$ROOT/bench/rust-clients"
export CARGO_TARGET_DIR="$ROOT/target" WASM_BINDGEN_TEST_TIMEOUT=300
for browser in chromium firefox; do
  echo "== $browser"
  if [ "$browser" = firefox ]; then unset CHROMEDRIVER; fi
  cargo test --release --target wasm32-unknown-unknown --test bench -- --nocapture 2>&1 |
    grep -E 'BENCH|test result|FAIL|panicked'
done
