#!/usr/bin/env bash
# Runs every cargo-fuzz target (parser, batch encoding, connection state
# machine, response headers) for a bounded time.
#
#   scripts/fuzz.sh                       # each target for 30 s
#   FUZZ_SECONDS=600 scripts/fuzz.sh      # longer runs
#   FUZZ_SECONDS=3600 scripts/fuzz.sh parse_chunked   # one target
#   scripts/fuzz.sh connection headers    # the connection's inputs only
#
# Installs cargo-fuzz if it is missing (scripts/lib.sh). cargo-fuzz wants a nightly toolchain:
# it uses nightly when rustup has it (or can install it), and otherwise the
# default toolchain with RUSTC_BOOTSTRAP=1, which accepts the same flags.
# Corpora grow in fuzz/corpus/<target> (seeded from tests/vectors), crashes
# land in fuzz/artifacts/<target>; both are git-ignored. A crash makes the
# script fail; reproduce it with `cargo +nightly fuzz run <target> <file>`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

seconds="${FUZZ_SECONDS:-30}"
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(parse parse_chunked batch_chunked connection headers)
fi

# cargo-fuzz builds into fuzz/target, not a shared target directory.
unset CARGO_TARGET_DIR

ensure_cargo_fuzz

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
elif command -v rustup >/dev/null 2>&1 &&
  timeout 300 rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  echo "fuzz.sh: no nightly toolchain; using the default one with RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
fi

for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  echo "fuzz.sh: $target for ${seconds}s" >&2
  # The first corpus directory receives new inputs; tests/vectors only seeds.
  cargo "${toolchain[@]}" fuzz run "$target" "$corpus" tests/vectors -- \
    -max_total_time="$seconds" -print_final_stats=1
done
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a crash" >&2
