#!/usr/bin/env bash
# Peer comparison: custodia against age 0.12 (one X25519 recipient, stream API), ring 0.17 and RustCrypto
# ChaCha20-Poly1305, and `openssl speed` as an outside reference. Writes BENCHMARKS.md at the repository root.
#
#   benches/peers/run.sh                                   # full run: 64 MiB in memory, 1 GiB file to file
#   CUSTODIA_BENCH_FILE_BYTES=268435456 CUSTODIA_BENCH_ROUNDS=7 benches/peers/run.sh     # quicker
#
# Two processes, because age 0.12 and custodia's hpke 0.15 cannot share one Cargo.lock: custodia's `ratios` bench
# and this directory's `custodia-peers`. Each times its contenders round-robin against the same anchor (raw
# RustCrypto ChaCha20-Poly1305, same build flags), and reports the median of per-round costs relative to it;
# cross-process ratios divide those normalised costs. `ring` is measured in both processes as a check on the anchor.
#
# Python peers: `benches/peers/python/run` times custodia through its Python binding against aws-encryption-sdk (raw
# AES key, default suite) and `cryptography`'s ChaCha20Poly1305, round-robin against a Python-side anchor, and prints
# lines in the same format (installing those packages into the binding's venv if missing); a failure there is
# reported and the rest of the report is still written (`report.py`, section "Python peers").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
results=${CUSTODIA_BENCH_RESULTS:-$root/target/bench-results}
rm -rf "$results" && mkdir -p "$results"
work=${CUSTODIA_BENCH_DIR:-$root/target/bench-files}
mkdir -p "$work"
trap 'rm -rf "$work"/*.env "$work"/*.age "$work"/*.out' EXIT

echo "building..." >&2
cargo bench --bench ratios --no-run >&2
(cd benches/peers && cargo build --release >&2)
peers=benches/peers/target/release/custodia-peers

uptime > "$results/load_before.txt"
git rev-parse --short HEAD > "$results/commit.txt" 2>/dev/null || true
# OpenSSL one core, just before the in-memory rows and again at the end (report.py uses the faster).
openssl speed -seconds 2 -bytes 65536 -aead -evp chacha20-poly1305 2>/dev/null | tail -1 > "$results/openssl_before.txt" || true
echo "in memory: custodia" >&2
cargo bench --bench ratios -- mem > "$results/custodia_mem.jsonl"
echo "in memory: peers" >&2
"$peers" mem > "$results/peers_mem.jsonl"
echo "in memory, glibc huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) for both" >&2
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 cargo bench --bench ratios -- mem > "$results/custodia_mem_thp.jsonl"
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$peers" mem > "$results/peers_mem_thp.jsonl"
echo "file to file: custodia" >&2
cargo bench --bench ratios -- file "$work" > "$results/custodia_file.jsonl"
echo "file to file: peers" >&2
"$peers" file "$work" > "$results/peers_file.jsonl"
# The same on tmpfs (RAM): no ext4 block allocation or writeback, so the kernel's share of a file copy is smaller and
# the libraries' own costs show more. Skipped when /dev/shm lacks room for input, envelope and output.
file_bytes=${CUSTODIA_BENCH_FILE_BYTES:-1073741824}
if [ -d /dev/shm ] && [ "$(df --output=avail -B1 /dev/shm | tail -1)" -gt $((4 * file_bytes)) ]; then
    shm=$(mktemp -d /dev/shm/custodia-bench.XXXXXX)
    trap 'rm -rf "$work"/*.env "$work"/*.age "$work"/*.out "$shm"' EXIT
    echo "file to file on tmpfs: custodia, peers" >&2
    cargo bench --bench ratios -- file "$shm" > "$results/custodia_file_tmpfs.jsonl"
    "$peers" file "$shm" > "$results/peers_file_tmpfs.jsonl"
    rm -rf "$shm"
fi
if [ -x benches/peers/python/run ]; then
    echo "python peers" >&2
    benches/peers/python/run > "$results/python.jsonl" || echo "python peers failed" >&2
fi
echo "openssl speed" >&2
openssl speed -seconds 2 -bytes 65536 -aead -evp chacha20-poly1305 2>/dev/null | tail -1 > "$results/openssl.txt" || true
openssl speed -seconds 2 -bytes 1024 -aead -evp chacha20-poly1305 2>/dev/null | tail -1 > "$results/openssl_1k.txt" || true
uptime > "$results/load_after.txt"

python3 benches/peers/report.py "$results" "$0 $*" > BENCHMARKS.md.new
mv BENCHMARKS.md.new BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
