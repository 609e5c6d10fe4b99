#!/usr/bin/env bash
# Run every fuzz target in fuzz/ (cargo-fuzz, libFuzzer) for a bounded time, one after the other. See
# docs/FUZZING.md.
#
#   ./scripts/fuzz.sh [seconds]        each target for `seconds` (default 60), after replaying its corpus
#
# Environment:
#   FUZZ_TARGETS="a b"   only these targets (default: every target in fuzz/Cargo.toml)
#   FUZZ_RUNS=N          stop each target after N executions (libFuzzer -runs); `seconds` then is the upper bound
#                        (0: none). The campaign: FUZZ_RUNS=10000000 ./scripts/fuzz.sh 0
#   FUZZ_SANITIZER=s     none (default: safe Rust, fastest), address, memory, thread
#   FUZZ_LOG_DIR=dir     keep each target's libFuzzer output as dir/<target>.log (default: a temporary directory)
#   FUZZ_NICE=n          run the fuzzers at this niceness (default 19)
#
# The corpus (fuzz/corpus/<target>/) is seeded by examples/fuzz_seeds.rs from real envelopes, keyrings, logs,
# grants, receipts and policies, and grows with what the fuzzer finds; crashing inputs land in
# fuzz/artifacts/<target>/ (keep each one, once fixed, under tests/fuzz-regressions/<target>/). Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`) and a nightly toolchain, or stable with RUSTC_BOOTSTRAP=1 (used
# automatically when no nightly is installed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
runs=${FUZZ_RUNS:-}
sanitizer=${FUZZ_SANITIZER:-none}
niceness=${FUZZ_NICE:-19}
status=0
if [[ -n "${FUZZ_LOG_DIR:-}" ]]; then
    log_dir=$FUZZ_LOG_DIR
    mkdir -p "$log_dir"
else
    # Removed when every target passed; kept (and named) when one failed.
    log_dir=$(mktemp -d)
    trap '[[ $status -eq 0 ]] && rm -rf "$log_dir"' EXIT
fi

command -v cargo-fuzz > /dev/null || {
    echo "fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz --locked (scripts/install-deps.sh does)" >&2
    exit 2
}
if rustup toolchain list 2> /dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    echo "fuzz.sh: toolchain: nightly ($(rustc +nightly --version))"
else
    toolchain=()
    export RUSTC_BOOTSTRAP=1
    echo "fuzz.sh: toolchain: stable with RUSTC_BOOTSTRAP=1 ($(rustc --version))"
fi

all_targets=$(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^custodia-fuzz$')
targets=${FUZZ_TARGETS:-$all_targets}

# The seeds: regenerated each time from the current code (a format change changes them).
cargo run --quiet --example fuzz_seeds -- fuzz/corpus

# One build of every target, with debug assertions and overflow checks, in fuzz/target (shared by all targets).
cargo "${toolchain[@]}" fuzz build --fuzz-dir fuzz -s "$sanitizer" --debug-assertions
bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

limits=()
if [[ -n "$runs" ]]; then limits+=("-runs=$runs"); fi
if [[ "$seconds" != 0 ]]; then limits+=("-max_total_time=$seconds"); fi

printf '%-20s %14s %10s %s\n' target executions seconds result
for t in $targets; do
    mkdir -p "fuzz/artifacts/$t"
    log="$log_dir/$t.log"
    start=$(date +%s)
    set +e
    nice -n "$niceness" "$bin_dir/$t" "${limits[@]}" -print_final_stats=1 -rss_limit_mb=2048 \
        -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    set -e
    elapsed=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [[ $rc -eq 0 ]]; then
        result=ok
    else
        result="FAILED (exit $rc; see $log and fuzz/artifacts/$t/)"
        status=1
        grep -E 'panicked|left:|right:|Test unit written' "$log" | head -5 >&2 || true
    fi
    printf '%-20s %14s %10s %s\n' "$t" "${execs:-?}" "$elapsed" "$result"
done
exit $status
