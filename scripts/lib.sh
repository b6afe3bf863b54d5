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

# `cargo install` of a pinned tool, built for a quick install rather than peak speed:
# the tools run briefly (wasm-bindgen over a few wasm files, WebDriver servers), so
# opt-level 1 without LTO compiles in a fraction of the release profile's time, and
# one target directory per `ensure_all` (TOOLS_TARGET_DIR) compiles the crates the tools
# share once. Measured on 2 cores: wasm-bindgen-cli, geckodriver, wasm-pack and
# cargo-fuzz in 4 min 38 s, against about 15 min with their own profiles.
install_tool() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_STRIP=true \
    cargo install "$@" --locked --force ${TOOLS_TARGET_DIR:+--target-dir "$TOOLS_TARGET_DIR"}
}

ensure_wasm_bindgen() {
  local want have
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || { echo "no wasm-bindgen in Cargo.lock" >&2; return 1; }
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || true
  if [ "$have" != "$want" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    step "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # 0.2.129's own lockfile resolves against the registry here; --locked keeps it reproducible.
    install_tool wasm-bindgen-cli --version "$want"
  fi
}

# geckodriver, for Firefox (Debian's firefox-esr), built from crates.io at a pinned version.
GECKODRIVER_VERSION=0.37.1
ensure_geckodriver() {
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    step "installing geckodriver $GECKODRIVER_VERSION (about 1.5 minutes, once)"
    install_tool geckodriver --version "$GECKODRIVER_VERSION"
  fi
}

# wasm-pack, which runs the Rust API's tests (feature `client`) the way Rust users do;
# built from crates.io at a pinned version. It uses the wasm-bindgen-cli installed above
# (same version) and the system chromedriver/geckodriver, so it runs offline.
WASM_PACK_VERSION=0.15.1
ensure_wasm_pack() {
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
    step "installing wasm-pack $WASM_PACK_VERSION (about 1.5 minutes, once)"
    install_tool wasm-pack --version "$WASM_PACK_VERSION"
  fi
}

# cargo-fuzz, for scripts/fuzz.sh.
CARGO_FUZZ_VERSION=0.13.2
ensure_cargo_fuzz() {
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    step "installing cargo-fuzz $CARGO_FUZZ_VERSION (once)"
    install_tool cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
}

# The Debian packages of the three engines: Chromium + ChromeDriver, Firefox ESR, and
# WebKitGTK's driver (WebKitWebDriver + MiniBrowser) with xvfb-run to give it a display.
# Prints the ones missing, space-separated.
missing_debian_packages() {
  local missing=()
  { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } ||
    missing+=(chromium chromium-driver)
  [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  command -v xvfb-run >/dev/null || missing+=(xvfb)
  echo "${missing[*]}"
}

# apt-get install of the given Debian packages (as root, or through sudo).
install_debian_packages() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Only what a script that drives Chromium alone needs (scripts/bench.sh).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    step "installing Debian chromium + chromium-driver"
    install_debian_packages chromium chromium-driver
  fi
}

# Whether node_modules is missing or older than package-lock.json.
node_modules_stale() {
  ! cmp -s "$ROOT/package-lock.json" "$ROOT/node_modules/.installed-lock" 2>/dev/null
}

npm_install() {
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$ROOT/node_modules/.installed-lock"
}

# npm ci when node_modules is missing or older than package-lock.json.
ensure_node_modules() {
  if node_modules_stale; then
    step "installing npm packages (npm ci)"
    npm_install
  fi
}

# Waits for a background install started by ensure_all; on failure prints its log and
# fails.
await_install() {
  local pid=$1 log=$2 what=$3
  if ! wait "$pid"; then
    cat "$log" >&2
    echo "installing $what failed" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Everything scripts/test.sh needs. The Debian and npm packages download and unpack in
# the background while the cargo tools compile (CPU-bound), which saves their minutes
# on a fresh machine; on a set-up machine every step finds its tool and does nothing.
ensure_all() {
  ensure_wasm_target
  local packages apt_pid="" npm_pid="" apt_log npm_log
  packages=$(missing_debian_packages)
  if [ -n "$packages" ]; then
    step "installing Debian $packages (in the background)"
    apt_log=$(mktemp)
    # shellcheck disable=SC2086 # one word per package
    install_debian_packages $packages >"$apt_log" 2>&1 &
    apt_pid=$!
  fi
  if node_modules_stale; then
    step "installing npm packages (npm ci, in the background)"
    npm_log=$(mktemp)
    npm_install >"$npm_log" 2>&1 &
    npm_pid=$!
  fi
  TOOLS_TARGET_DIR=$(mktemp -d)
  local tools_ok=0
  {
    ensure_wasm_bindgen && ensure_geckodriver && ensure_wasm_pack && ensure_cargo_fuzz
  } || tools_ok=$?
  rm -rf "$TOOLS_TARGET_DIR"
  TOOLS_TARGET_DIR=
  [ -z "$apt_pid" ] || await_install "$apt_pid" "$apt_log" "Debian $packages"
  [ -z "$npm_pid" ] || await_install "$npm_pid" "$npm_log" "the npm packages"
  [ "$tools_ok" -eq 0 ] || { echo "installing the cargo tools failed" >&2; return 1; }
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

# Builds the package (scripts/build.sh, with its arguments) after installing what the
# build needs: the wasm target, wasm-bindgen-cli, the npm packages (wasm-opt, esbuild).
build_package() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_node_modules
  bash "$ROOT/scripts/build.sh" "$@"
}
