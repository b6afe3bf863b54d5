#!/usr/bin/env bash
# The benchmark (bench/README.md): installs what is missing, builds the package (release,
# wasm-opt -Oz) and the loopback server, starts the server, drives headless Chromium on
# bench/index.html (bench/run.mjs: no DevTools connection), prints the markdown tables and
# writes them to bench/results.md, then stops the server.
# Usage: scripts/bench.sh [--quick] [--rounds N] [--only tiny,kb,big,biglines,mixed]
#                         [--impls ours,ours-iter,native,...] [--sections transport,latency,parser,memory]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
trap stop_server EXIT

ensure_chromium
build_package

# The parser alone: bench/parser-bench wraps the crate's public `parser::Parser` in a
# `ParserBench` export (same release profile), built into bench/vendor/pkg-bench/
# (gitignored) with its own target dir; the shipped package is untouched. Should the
# parser's API have moved on, the page falls back to a labelled proxy.
step "building the parser-alone wasm (bench/parser-bench) into bench/vendor/pkg-bench"
rm -rf bench/vendor/pkg-bench
cp Cargo.lock bench/parser-bench/Cargo.lock # the package's dependency versions
pb_target="${CARGO_TARGET_DIR:-$ROOT/target}/parser-bench"
if cargo build -q --manifest-path bench/parser-bench/Cargo.toml --lib --target wasm32-unknown-unknown \
    --release --target-dir "$pb_target"; then
  wasm-bindgen --target web --no-typescript --out-dir bench/vendor/pkg-bench --out-name parser_bench \
    "$pb_target/wasm32-unknown-unknown/release/parser_bench.wasm"
  if [ -x node_modules/.bin/wasm-opt ]; then
    node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
      --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals --enable-simd \
      bench/vendor/pkg-bench/parser_bench_bg.wasm -o bench/vendor/pkg-bench/parser_bench_bg.wasm
  fi
else
  echo "warning: bench/parser-bench did not build; the parser table will use the proxy" >&2
fi

step "starting the loopback SSE server"
start_server
echo "SSE server at $SSE_SERVER_URL"
step "running the benchmark in headless Chromium"
node bench/run.mjs --server "$SSE_SERVER_URL" --command "npm run bench${*:+ -- $*}" "$@"
