#!/usr/bin/env bash
# 1 KiB seal + open round trip from C# against the Rust call in the same run: ROUNDS alternating rounds of the C#
# program (bench/SealOpenBench.cs through the binding) and of examples/durability_bench (the Rust Custodian, its
# "tmpfs | OsBuffered" row), both with the audit log os_buffered on tmpfs (/dev/shm) and N round trips per round.
# Prints every round, the medians of the rounds' medians and their ratio (C# / Rust). Figures only, not a test.
#
#   bindings/dotnet/bench/run.sh [rounds=3] [n=2000]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
n=${2:-2000}
(cd "$root" && cargo build --release --quiet --example durability_bench)
export LD_LIBRARY_PATH="$root/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$here/build"
mcs -nologo -unsafe -target:library -out:"$here/build/Custodia.dll" "$here"/src/*.cs
mcs -nologo -out:"$here/build/SealOpenBench.exe" -r:"$here/build/Custodia.dll" "$here/bench/SealOpenBench.cs"
cs=() rs=()
for r in $(seq "$rounds"); do
  line=$(mono "$here/build/SealOpenBench.exe" "$n" 500 /dev/shm)
  cs+=("$(sed -n 's/.*median \([0-9.]*\) us.*/\1/p' <<<"$line")")
  rust=$(cd /dev/shm && "$root/target/release/examples/durability_bench" "$n" /dev/shm | grep '^| tmpfs | OsBuffered |')
  rs+=("$(sed -n 's/^| tmpfs | OsBuffered | \([0-9.]*\) us.*/\1/p' <<<"$rust")")
  echo "round $r: C# ${cs[-1]} us, Rust ${rs[-1]} us"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(median "${cs[@]}")
mr=$(median "${rs[@]}")
echo "medians over $rounds rounds of $n: C# $mc us, Rust $mr us, ratio $(awk -v a="$mc" -v b="$mr" 'BEGIN {printf "%.2f", a / b}')x"
