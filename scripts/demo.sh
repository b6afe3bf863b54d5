#!/usr/bin/env bash
# Sets up what is missing, builds the wasm package, and serves the demo (www/) together
# with the SSE endpoints it uses (/stream, /sse, /log, /demo/chat, /demo/drop, /live)
# on http://127.0.0.1:${PORT:-8080}/www/. Ctrl-C stops it. Idempotent: installs only what is missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
build_package
step "starting the demo server"
cargo build --release -q -p sse-server
echo "open http://127.0.0.1:${PORT:-8080}/www/"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/sse-server" --root "$ROOT" --port "${PORT:-8080}"
