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
if [ "$profile" = release ]; then
  # Shorter panic-location strings in the shipped wasm: drop the local registry and
  # checkout prefixes from the paths the compiler embeds.
  remap=("--remap-path-prefix=$ROOT=.")
  for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
    remap+=("--remap-path-prefix=${dir%/}=")
  done
  # RUSTFLAGS replaces .cargo/config.toml's rustflags, so repeat the SIMD flag here.
  export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128 ${remap[*]}"
fi
cargo build -q --lib --target wasm32-unknown-unknown "${cargo_profile[@]}" "${features[@]}"
# Stale snippets (from an older build) must not ship.
rm -rf pkg/snippets
wasm-bindgen --target web --no-typescript --out-dir pkg \
  "${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/$profile/eventsource_wasm.wasm"

wasm_opt="$ROOT/node_modules/.bin/wasm-opt"
if [ "$profile" = release ]; then
  if [ -x "$wasm_opt" ]; then
    # --converge: repeat -Oz while it still shrinks; the producers section is metadata.
    step "wasm-opt -Oz (npm binaryen)"
    wasm_features=(--enable-bulk-memory --enable-reference-types --enable-multivalue
      --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals --enable-simd)
    "$wasm_opt" -Oz --converge --strip-producers "${wasm_features[@]}" \
      pkg/eventsource_wasm_bg.wasm -o pkg/eventsource_wasm_bg.wasm
    # Short import names (the generated ones carry hashes), the glue renamed to match.
    node scripts/minify_names.mjs pkg/eventsource_wasm_bg.wasm pkg/eventsource_wasm.js
  else
    echo "note: node_modules/.bin/wasm-opt missing (run npm ci); shipping the unoptimised wasm"
  fi
  esbuild="$ROOT/node_modules/.bin/esbuild"
  if [ -x "$esbuild" ]; then
    # The generated glue ships minified (the hand-written js/ stays readable).
    "$esbuild" pkg/eventsource_wasm.js --minify --format=esm --log-level=warning \
      --outfile=pkg/eventsource_wasm.min.js
    mv pkg/eventsource_wasm.min.js pkg/eventsource_wasm.js
    # So do the module snippets it imports (copies of js/options.js and js/glue.js).
    find pkg/snippets -name '*.js' -print0 | while IFS= read -r -d '' snippet; do
      "$esbuild" "$snippet" --minify --format=esm --log-level=warning --outfile="$snippet.min"
      mv "$snippet.min" "$snippet"
    done
  fi
fi
# The browser entry a page loads (package.json `exports`): js/index.js and everything it
# imports (the class, features, the generated glue and its snippets) as ONE module next
# to the wasm, so that a page's import costs one JS fetch, then the wasm fetch, instead
# of three levels of module fetches; `new URL('eventsource_wasm_bg.wasm',
# import.meta.url)` still resolves from pkg/. The node/deno/lazy entries stay unbundled.
esbuild="$ROOT/node_modules/.bin/esbuild"
if [ -x "$esbuild" ]; then
  minify=()
  [ "$profile" = release ] && minify=(--minify)
  "$esbuild" js/index.js --bundle --format=esm "${minify[@]}" --log-level=error \
    --outfile=pkg/index.js
else
  echo "note: node_modules/.bin/esbuild missing (run npm ci); pkg/index.js re-exports js/index.js"
  printf "export * from '../js/index.js';\nexport { default } from '../js/index.js';\n" > pkg/index.js
fi
# `eventsource-wasm/polyfill` in browsers: installs the class of the bundle above (one
# module instance with the main entry).
printf "import { installEventSource } from './index.js';\n\nexport const EventSource = installEventSource();\n" \
  > pkg/polyfill.js

for f in pkg/eventsource_wasm_bg.wasm pkg/eventsource_wasm.js pkg/index.js; do
  echo "$f: $(wc -c <"$f") bytes, $(gzip -9c "$f" | wc -c) gzip"
done
