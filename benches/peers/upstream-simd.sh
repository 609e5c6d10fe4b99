#!/usr/bin/env bash
# What two missing `#[target_feature]` attributes in RustCrypto's crates cost custodia (BENCHMARKS.md, "Where the
# time goes", 1 KiB). Not part of any build custodia ships, and never run by the tests: it copies the exact crate
# versions from Cargo's registry into target/upstream-simd/, adds the attributes there, builds the `ratios` bench
# once against them (`--config patch.crates-io...`, a separate target directory) and runs it beside the stock build,
# alternating, printing the 1 KiB rows of each run.
#
#   benches/peers/upstream-simd.sh [RUNS]        # RUNS pairs (default 2), CUSTODIA_BENCH_ROUNDS rounds each (9)
#
# The attributes (chacha20 0.10.2, poly1305 0.9.1):
# - chacha20 `backends/avx512.rs`, `inner`: `enable = "avx512f"` -> `enable = "avx512f", enable = "avx512vl"`. The
#   backend is only chosen when the CPU has both, but `inner` (through which every call runs) enables only avx512f,
#   so the single-block path (`gen_ks_block`: every Poly1305 key, i.e. every AEAD call) cannot inline its 128-bit
#   AVX-512VL intrinsics and calls each `_mm_rol_epi32` out of line.
# - poly1305 `backend/avx2.rs`, `State::new`: its body moved into a function with `#[target_feature(enable =
#   "avx2")]` (so R^2 is computed with inlined AVX2 intrinsics), and the same attribute on the `propagate_carry`
#   helpers in `backend/avx2/helpers.rs`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-2}
export CUSTODIA_BENCH_ROUNDS=${CUSTODIA_BENCH_ROUNDS:-9}
work="$root/target/upstream-simd"
registry=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)
for c in chacha20-0.10.2 poly1305-0.9.1; do
    test -d "$registry/$c" || cargo fetch --quiet
    test -d "$registry/$c" || { echo "no $c in $registry (Cargo.lock moved on?)" >&2; exit 1; }
done
rm -rf "$work/chacha20" "$work/poly1305"
mkdir -p "$work"
cp -r "$registry/chacha20-0.10.2" "$work/chacha20"
cp -r "$registry/poly1305-0.9.1" "$work/poly1305"
chmod -R u+w "$work/chacha20" "$work/poly1305"
python3 - "$work" <<'EOF'
import sys
w = sys.argv[1]
def edit(path, old, new, count=1):
    s = open(path).read()
    assert s.count(old) == count, (path, old)
    open(path, "w").write(s.replace(old, new))
edit(f"{w}/chacha20/src/backends/avx512.rs",
     '#[inline]\n#[target_feature(enable = "avx512f")]\n#[cfg(feature = "cipher")]\npub(crate) unsafe fn inner',
     '#[inline]\n#[target_feature(enable = "avx512f", enable = "avx512vl")]\n#[cfg(feature = "cipher")]\npub(crate) unsafe fn inner')
edit(f"{w}/poly1305/src/backend/avx2.rs",
     "    pub(crate) fn new(key: &Key) -> Self {\n        // Prepare addition key and polynomial key.",
     "    pub(crate) fn new(key: &Key) -> Self {\n        unsafe { Self::new_avx2(key) }\n    }\n\n"
     "    #[target_feature(enable = \"avx2\")]\n    unsafe fn new_avx2(key: &Key) -> Self {\n"
     "        // Prepare addition key and polynomial key.")
edit(f"{w}/poly1305/src/backend/avx2/helpers.rs", "            unsafe fn propagate_carry",
     "            #[target_feature(enable = \"avx2\")]\n            unsafe fn propagate_carry", count=2)
EOF

echo "building the stock and the patched ratios bench..." >&2
cargo bench --bench ratios --no-run --quiet 2>/dev/null
stock=$(cargo bench --bench ratios --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import sys,json
for l in sys.stdin:
    d = json.loads(l)
    if d.get("reason") == "compiler-artifact" and d["target"]["name"] == "ratios" and d.get("executable"): print(d["executable"])')
patch=(--config "patch.crates-io.chacha20.path=\"$work/chacha20\"" --config "patch.crates-io.poly1305.path=\"$work/poly1305\"")
CARGO_TARGET_DIR="$work/target" cargo bench --bench ratios --no-run --quiet "${patch[@]}" 2>/dev/null
patched=$(CARGO_TARGET_DIR="$work/target" cargo bench --bench ratios --no-run --message-format=json "${patch[@]}" 2>/dev/null \
    | python3 -c 'import sys,json
for l in sys.stdin:
    d = json.loads(l)
    if d.get("reason") == "compiler-artifact" and d["target"]["name"] == "ratios" and d.get("executable"): print(d["executable"])')

cat > "$work/show.py" <<'EOF'
import json, sys
rows = {}
for line in sys.stdin:
    if line.startswith("{"):
        d = json.loads(line)
        rows[d["name"]] = d
for n in ["raw_rustcrypto_encrypt_1KiB", "prim_aead_wrap_32B", "prim_sha256_round_trip", "custodia_kek_seal_open_1KiB",
          "raw_rustcrypto_encrypt_64MiB", "custodia_x25519_seal_into_64MiB_1thread"]:
    d = rows.get(n)
    if d:
        print(f"  {n:42} {d['median_ns'] / 1e3:10.2f} us   x anchor {d['norm']:.2f}")
EOF
show() { python3 "$work/show.py"; }
for i in $(seq "$runs"); do
    echo "== run $i: stock crates"
    "$stock" mem --bench 2>/dev/null | show
    echo "== run $i: with the two attributes"
    "$patched" mem --bench 2>/dev/null | show
done
