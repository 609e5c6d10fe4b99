#!/usr/bin/env bash
# The 1 KiB seal + open round trip from Go against the Rust call in the same run: bench/sealopen (the Go binding)
# and examples/durability_bench.rs (the Rust Custodian, same round trip, tmpfs rows), alternately RUNS times, each in
# a directory on DIR (default /dev/shm: a sync costs nothing there, so what differs is the binding). Prints every
# run's medians and, at the end, the median of the runs' medians and the ratio Go / Rust per durability.
#
#   bindings/go/bench/run.sh [ROUNDS=2000] [RUNS=3] [DIR=/dev/shm]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
rounds=${1:-2000} runs=${2:-3} dir=${3:-/dev/shm}
export GOPROXY=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=1
(cd "$repo" && cargo build --release --quiet && cargo build --release --quiet --example durability_bench)
mkdir -p "$here/build"
(cd "$here" && go build -o build/sealopen ./bench/sealopen)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do
  "$here/build/sealopen" "$rounds" 500 "$dir" | tee -a "$out"
  # The Rust example's "tmpfs" rows are its DIR-independent /dev/shm baseline; its "disk" rows use $dir.
  "$repo/target/release/examples/durability_bench" "$rounds" "$dir" | grep -E '^\| tmpfs \| (FsyncEach|OsBuffered)' |
    sed -E 's/^\| tmpfs \| ([^|]+) \| ([0-9.]+) us.*/rust | \1| median \2 us/' | tee -a "$out"
done
echo
echo "median of the $runs runs' medians (1 KiB seal + open, KEK, $dir):"
for policy in "FsyncEach" "OsBuffered"; do
  go_med=$(grep "^go | $policy" "$out" | sed -E 's/.*median ([0-9.]+) us.*/\1/' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rust_med=$(grep "^rust | $policy" "$out" | sed -E 's/.*median ([0-9.]+) us.*/\1/' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v p="$policy" -v g="$go_med" -v r="$rust_med" 'BEGIN { printf "  %-10s Go %6.1f us   Rust %6.1f us   Go/Rust %.2fx\n", p, g, r, g / r }'
done
