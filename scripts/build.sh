#!/usr/bin/env bash
# Builds the npm-consumable package into pkg/: the wasm (release, size-tuned), its
# wasm-bindgen JS glue (--target web), then wasm-opt -Oz from npm `binaryen`.
# Usage: scripts/build.sh [--dev]   (--dev: debug build with the panic hook, no wasm-opt)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_wasm_target
ensure_wasm_bindgen

profile=release
features=()
if [ "${1:-}" = "--dev" ]; then
  profile=debug
  features=(--features panic-hook)
fi

step "building the wasm ($profile)"
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)
cargo build -q --lib --target wasm32-unknown-unknown "${cargo_profile[@]}" "${features[@]}"
wasm-bindgen --target web --no-typescript --out-dir pkg \
  "${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/$profile/eventsource_wasm.wasm"

wasm_opt="$ROOT/node_modules/.bin/wasm-opt"
if [ "$profile" = release ]; then
  if [ -x "$wasm_opt" ]; then
    step "wasm-opt -Oz (npm binaryen)"
    "$wasm_opt" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
      --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
      pkg/eventsource_wasm_bg.wasm -o pkg/eventsource_wasm_bg.wasm
  else
    echo "note: node_modules/.bin/wasm-opt missing (run npm ci); shipping the unoptimised wasm"
  fi
fi
bytes=$(wc -c <pkg/eventsource_wasm_bg.wasm)
gz=$(gzip -9c pkg/eventsource_wasm_bg.wasm | wc -c)
echo "pkg/eventsource_wasm_bg.wasm: $bytes bytes, $gz gzip"
