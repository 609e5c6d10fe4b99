#!/usr/bin/env bash
# Runs the pure-Rust tests that Miri can interpret (undefined behaviour, out-of-bounds and use-after-free checks,
# including inside `unsafe` code): docs/MEMORY.md, "Miri".
#
#   scripts/miri.sh          everything below (slow: see README.md "Testing", Miri)
#   scripts/miri.sh --quick  custodia-mem only (the pool's unsafe code); what ./scripts/test-all.sh runs
#
# Needs the nightly toolchain with the miri and rust-src components:
#   rustup toolchain install nightly && rustup +nightly component add miri rust-src
# (scripts/install-deps.sh installs them when rustup's dist server is reachable). The first run builds Miri's
# sysroot and every dependency for Miri (several minutes on 2 cores); later runs reuse target/miri.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
  echo "miri is not installed: rustup +nightly component add miri rust-src" >&2
  exit 1
fi
# Tests that spawn processes, touch the file system through system calls Miri lacks, or lock memory are marked
# `#[cfg_attr(miri, ignore)]`; isolation stays on otherwise (no clock, no randomness from the host).
export MIRIFLAGS="${MIRIFLAGS:-}"

step() { printf '\n== %s\n' "$*"; }

step "miri: custodia-mem (the pool, LockedBox, LockedBytes)"
cargo +nightly miri test -q -p custodia-mem --lib

if [ "${1:-}" = "--quick" ]; then
  exit 0
fi

step "miri: custodia unit tests (purposes and vocabulary, armor, policy gate)"
# Filters select pure-Rust parsers and decisions; tests that derive keys or sign run too slowly interpreted.
# proptest reads the working directory (its failure-persistence file), which Miri's isolation forbids; a few cases
# per property are enough for Miri's purpose (undefined behaviour, not coverage).
MIRIFLAGS="$MIRIFLAGS -Zmiri-disable-isolation" PROPTEST_CASES="${PROPTEST_CASES:-4}" \
  cargo +nightly miri test -q -p custodia --lib -- vocabulary:: format::armor policy::tests

step "miri: custodia-ffi buffer registry (the C boundary's unsafe buffer code)"
cargo +nightly miri test -q -p custodia-ffi --lib -- buffer::
