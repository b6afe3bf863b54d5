#!/usr/bin/env bash
# How much of the shipped wasm each layer of the design is (issue #12's size work): builds
# bench/size-layers twice — the parser and its batch alone, then with the sans-I/O
# connection machine — with the package's release profile, wasm-opt -Oz and esbuild, and
# prints their brotli sizes beside the package's (scripts/build.sh). What the package has
# beyond the second is the JS class's glue (src/web: the async attempt loop, options,
# waits, the boundary). Usage: scripts/size-layers.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
build_package >/dev/null

target="${CARGO_TARGET_DIR:-$ROOT/target}/size-layers"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp Cargo.lock bench/size-layers/Cargo.lock # the package's dependency versions
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128"
for layer in parser machine; do
  step "building the $layer layer"
  features=()
  [ "$layer" = machine ] && features=(--features machine)
  cargo build -q --manifest-path bench/size-layers/Cargo.toml --lib --target wasm32-unknown-unknown \
    --release --target-dir "$target/$layer" "${features[@]}"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$layer" --out-name layer \
    "$target/$layer/wasm32-unknown-unknown/release/size_layers.wasm"
  node_modules/.bin/wasm-opt -Oz --converge --strip-producers --enable-bulk-memory \
    --enable-reference-types --enable-multivalue --enable-sign-ext \
    --enable-nontrapping-float-to-int --enable-mutable-globals --enable-simd \
    "$out/$layer/layer_bg.wasm" -o "$out/$layer/layer_bg.wasm"
  node_modules/.bin/esbuild "$out/$layer/layer.js" --minify --format=esm --log-level=warning \
    --outfile="$out/$layer/layer.min.js"
done
node - "$out" <<'JS'
const { readFileSync } = require('node:fs');
const { brotliCompressSync, constants } = require('node:zlib');
const out = process.argv[2];
const br = (file) => brotliCompressSync(readFileSync(file), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const row = (label, wasm, js) => {
  const w = br(wasm);
  const j = br(js);
  console.log(`${label.padEnd(44)} wasm ${String(w).padStart(6)} B   its glue ${String(j).padStart(5)} B   (brotli q 11)`);
  return w;
};
const parser = row('parser + batch (+ allocator, std panic)', `${out}/parser/layer_bg.wasm`, `${out}/parser/layer.min.js`);
const machine = row('+ the sans-I/O connection machine', `${out}/machine/layer_bg.wasm`, `${out}/machine/layer.min.js`);
const shipped = row('the package (pkg/): + the JS class\'s glue', 'pkg/eventsource_wasm_bg.wasm', 'pkg/index.js');
console.log(`layers of the shipped wasm: parser ${parser} B, machine ${machine - parser} B, glue ${shipped - machine} B`);
JS
