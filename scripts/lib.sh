# Shared setup steps for scripts/*.sh. Each `ensure_*` installs what is missing and
# does nothing when it is already there, so every script is idempotent.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# The wasm-bindgen test runner prefers any geckodriver it finds: CHROMEDRIVER selects
# Chromium (the Firefox pass of scripts/test.sh unsets it).
export CHROMEDRIVER=/usr/bin/chromedriver
export CHROME_BIN=/usr/bin/chromium
# Chromium as root in a container; no network but loopback.
CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-dev-shm-usage)
export CHROMIUM_FLAGS_STR="${CHROMIUM_FLAGS[*]}"

step() { printf '\n==> %s\n' "$*"; }

# The exact wasm-bindgen version from Cargo.lock (the CLI must match it).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  local want have
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || { echo "no wasm-bindgen in Cargo.lock" >&2; return 1; }
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || true
  if [ "$have" != "$want" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    step "installing wasm-bindgen-cli $want (a few minutes, once)"
    # 0.2.129's own lockfile resolves against the registry here; --locked keeps it reproducible.
    cargo install wasm-bindgen-cli --version "$want" --locked --force
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    step "installing Debian chromium + chromium-driver"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# Firefox, the second browser of the wasm-bindgen tests: Debian's firefox-esr, driven by
# geckodriver built from crates.io at a pinned version.
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  if [ ! -x /usr/bin/firefox-esr ]; then
    step "installing Debian firefox-esr"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq firefox-esr >/dev/null
  fi
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    step "installing geckodriver $GECKODRIVER_VERSION (a few minutes, once)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force
  fi
}

# wasm-pack, which runs the Rust API's tests (feature `client`) the way Rust users do;
# built from crates.io at a pinned version. It uses the wasm-bindgen-cli installed above
# (same version) and the system chromedriver/geckodriver, so it runs offline.
WASM_PACK_VERSION=0.15.1
ensure_wasm_pack() {
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
    step "installing wasm-pack $WASM_PACK_VERSION (a few minutes, once)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
  fi
}

# WebKitGTK, the third engine of the browser suite (tests/browser/engines.mjs):
# Debian's webkit2gtk-driver (WebKitWebDriver + MiniBrowser), run under xvfb-run.
ensure_webkit() {
  local missing=()
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  command -v xvfb-run >/dev/null || missing+=(xvfb)
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing Debian ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# npm ci when node_modules is missing or older than package-lock.json.
ensure_node_modules() {
  local stamp="$ROOT/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    step "installing npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

ensure_all() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_chromium
  ensure_firefox
  ensure_wasm_pack
  ensure_webkit
  ensure_node_modules
}

# Starts the loopback SSE server (built release) in the background; sets SSE_SERVER_URL
# and SERVER_PID. The caller stops it with stop_server (also run on exit).
start_server() {
  local port_file
  port_file=$(mktemp)
  cargo build --release -q -p sse-server
  "${CARGO_TARGET_DIR:-$ROOT/target}/release/sse-server" --root "$ROOT" --port "${1:-0}" --port-file "$port_file" \
    >"${SERVER_LOG:-/dev/null}" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  [ -s "$port_file" ] || { echo "the SSE server did not start" >&2; return 1; }
  SSE_SERVER_URL="http://127.0.0.1:$(cat "$port_file")"
  export SSE_SERVER_URL SERVER_PID
  rm -f "$port_file"
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

# WebKitWebDriver under xvfb-run on a free loopback port, in its own session (so the whole
# tree is ended by its group id), for the wasm-bindgen tests in WebKitGTK: the test
# runner's Safari support speaks W3C WebDriver with empty capabilities, which
# WebKitWebDriver answers with its MiniBrowser. Sets WEBKIT_DRIVER_URL (for the runner's
# SAFARIDRIVER_REMOTE) and WEBKIT_DRIVER_PID; stop_webkit_driver ends it.
start_webkit_driver() {
  local port
  port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
  setsid xvfb-run -a WebKitWebDriver --port="$port" >/dev/null 2>&1 &
  WEBKIT_DRIVER_PID=$!
  WEBKIT_DRIVER_URL="http://127.0.0.1:$port"
  # Ready when /status answers (node's fetch: no curl needed).
  node -e "
    const until = Date.now() + 20000;
    (async function poll() {
      try { if ((await fetch(process.argv[1])).ok) return; } catch {}
      if (Date.now() > until) { console.error('WebKitWebDriver did not start'); process.exit(1); }
      setTimeout(poll, 100);
    })();" "$WEBKIT_DRIVER_URL/status"
  export WEBKIT_DRIVER_URL WEBKIT_DRIVER_PID
}

stop_webkit_driver() {
  if [ -n "${WEBKIT_DRIVER_PID:-}" ]; then
    kill -- "-$WEBKIT_DRIVER_PID" 2>/dev/null || true
    wait "$WEBKIT_DRIVER_PID" 2>/dev/null || true
    WEBKIT_DRIVER_PID=
  fi
}
