#!/usr/bin/env bash
# A bigger campaign of tests/multiproc.rs: many processes x threads on one custodian directory (seal, open, rotate,
# shred), with and without a writer killed mid-append, under each durability policy, several rounds each. Every
# round checks what the test checks: the log verifies, one gapless chain, every acknowledged event exactly once,
# every acknowledged destruction still in force, at most one active key per case.
#
#   scripts/multiproc-stress.sh [rounds] [processes] [threads] [iterations]     (defaults 5 6 4 40)
#
# Prints one line per round and a summary with wall times. Not part of test-all.sh (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
procs=${2:-6}
threads=${3:-4}
iters=${4:-40}
cargo test --release --test multiproc --no-run --quiet
failed=0
ms() { echo $(($(date +%s%N) / 1000000)); }
start_all=$(ms)
for durability in fsync group os_buffered; do
  for round in $(seq 1 "$rounds"); do
    start=$(ms)
    if CUSTODIA_MP_PROCS=$procs CUSTODIA_MP_THREADS=$threads CUSTODIA_MP_ITERS=$iters \
       CUSTODIA_MP_DURABILITY=$durability \
       cargo test --release --quiet --test multiproc -- --test-threads=1 >/tmp/multiproc-stress.$$.log 2>&1; then
      status=ok
    else
      status=FAILED
      failed=$((failed + 1))
      cp /tmp/multiproc-stress.$$.log "/tmp/multiproc-stress-failure-$durability-$round.log"
    fi
    printf '%-12s round %2d: %s (%d ms)\n' "$durability" "$round" "$status" $(($(ms) - start))
  done
done
rm -f /tmp/multiproc-stress.$$.log
printf '%d processes x %d threads x %d iterations, %d rounds x 3 policies: %d failed, %d s in all\n' \
  "$procs" "$threads" "$iters" "$rounds" "$failed" $((($(ms) - start_all) / 1000))
[ "$failed" -eq 0 ]
