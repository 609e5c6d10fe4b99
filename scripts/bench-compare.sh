#!/usr/bin/env bash
# Compare the end-to-end cost of one 1 KiB seal + open through `Custodian` (KEK recipient, `Durability::OsBuffered`
# audit log on tmpfs, so that policy, keyring, envelope and audit work show and the sync does not) between a base
# commit and the working tree, in one run: both programs alternate for ROUNDS rounds of N operations each; the script
# prints every round and the medians, and the ratio of the medians (working tree / base).
#
#   scripts/bench-compare.sh <base-commit> [rounds] [n]       e.g. scripts/bench-compare.sh a670291 7 5000
#
# Needs /dev/shm. The base is built in a temporary git worktree (removed at the end); the program is written into
# both trees' examples/ for the run only (the API it uses, Custodian::load / seal / open, exists since issue 13).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: scripts/bench-compare.sh <base-commit> [rounds] [n]}
rounds=${2:-7}
n=${3:-5000}
work=$(mktemp -d "${TMPDIR:-/tmp}/custodia-compare.XXXXXX")
prog=zz_bench_compare
cleanup() {
  rm -f "$root/examples/$prog.rs"
  git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$root" worktree add -q --detach "$work/base" "$base"
for tree in "$root" "$work/base"; do
  cat >"$tree/examples/$prog.rs" <<'EOF'
//! Written by scripts/bench-compare.sh for one run; not part of the repository.
use custodia::audit::Durability;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, OpenRequest, Purpose,
    PurposeSet, SealOptions, Sensitive, Unlock,
};
fn main() {
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let dir = tempfile::tempdir_in("/dev/shm").expect("tmpfs");
    let opts = CustodianOptions { durability: Durability::OsBuffered, create: true, ..CustodianOptions::default() };
    let c = Custodian::load(dir.path(), Unlock::master_key([3; 32]), opts).expect("load");
    let de = Jurisdiction::parse("DE").expect("DE");
    let actor = Actor::new("anna", "prosecutor", de, Classification::Secret).expect("actor");
    let kek = c.generate_key(&actor, KeyKind::Kek, "k").expect("kek");
    let so = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![kek]);
    let req = OpenRequest::new(actor.clone(), Purpose::parse("investigation").expect("p"));
    let data = Sensitive::new(vec![7u8; 1024], Category::FinancialRecords);
    let round = |k: usize| {
        for _ in 0..k {
            let e = c.seal(&actor, &data, &so).expect("seal").envelope;
            c.open(&req, &e).expect("open");
        }
    };
    round(500);
    let t = std::time::Instant::now();
    round(n);
    println!("{:.0}", t.elapsed().as_nanos() as f64 / n as f64);
}
EOF
  (cd "$tree" && cargo build --quiet --release --example "$prog")
done
echo "ns per 1 KiB seal + open (os_buffered, tmpfs); base $base | working tree"
for _ in $(seq "$rounds"); do
  a=$(N=$n "$work/base/target/release/examples/$prog")
  b=$(N=$n "$root/target/release/examples/$prog")
  echo "$a $b" | tee -a "$work/rounds.txt"
done
python3 - "$work/rounds.txt" <<'EOF'
import statistics, sys
rows = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
a = statistics.median(r[0] for r in rows)
b = statistics.median(r[1] for r in rows)
print(f"median: base {a:.0f} ns, working tree {b:.0f} ns, ratio {b / a:.3f}")
EOF
