#!/usr/bin/env bash
# Builds and tests custodia's C# binding with Mono: the release library (cargo rebuilds only if stale), the binding
# (build/Custodia.dll), the test harness (build/Tests.exe, its last line "N passed, N failed"), the struct-layout
# probe, the README's two programs, the MLA example and the benchmark program (compiled, not run). Exits non-zero on any failure. Everything it
# writes is under build/. Idempotent.
#
#   bindings/dotnet/run-tests.sh [test-name-filter]
#
# Needs: Debian packages mono-mcs and mono-runtime (scripts/install-deps.sh), gcc, cargo. The DllImport name
# "custodia" is resolved through LD_LIBRARY_PATH (target/release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v mcs >/dev/null || { echo "mcs missing: apt-get install mono-mcs mono-runtime" >&2; exit 1; }
command -v mono >/dev/null || { echo "mono missing: apt-get install mono-runtime" >&2; exit 1; }

printf '== cargo build --release\n'
(cd "$root" && cargo build --release --quiet)
export LD_LIBRARY_PATH="$root/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

build="$here/build"
mkdir -p "$build"
printf '== mcs\n'
mcs -nologo -unsafe -warnaserror -target:library -out:"$build/Custodia.dll" "$here"/src/*.cs
mcs -nologo -unsafe -warnaserror -out:"$build/Tests.exe" -r:"$build/Custodia.dll" -r:System.Numerics.dll "$here"/tests/*.cs
mcs -nologo -warnaserror -out:"$build/MlaExchange.exe" -r:"$build/Custodia.dll" "$here"/examples/MlaExchange.cs
mcs -nologo -warnaserror -out:"$build/SealOpenBench.exe" -r:"$build/Custodia.dll" "$here"/bench/SealOpenBench.cs
# The README's ten-line program, compiled as written there (the first csharp block).
awk '/^```csharp$/ {on = 1; next} /^```$/ && on {exit} on' "$here/README.md" >"$build/Readme.cs"
mcs -nologo -warnaserror -out:"$build/Readme.exe" -r:"$build/Custodia.dll" "$build/Readme.cs"
# The records program of the README (its second csharp block).
awk '/^```csharp$/ {n++; if (n == 2) {on = 1; next}} /^```$/ && on {exit} on' "$here/README.md" >"$build/ReadmeRecords.cs"
mcs -nologo -warnaserror -out:"$build/ReadmeRecords.exe" -r:"$build/Custodia.dll" "$build/ReadmeRecords.cs"
cc -std=c11 -Wall -Werror -I"$root/include" -o "$build/layout_probe" "$here/tests/layout_probe.c"

printf '== tests\n'
CUSTODIA_LAYOUT_PROBE="$build/layout_probe" CUSTODIA_HEADER="$root/include/custodia.h" mono --debug "$build/Tests.exe" "$@"

printf '== README program\n'
mono "$build/Readme.exe" | tee "$build/readme.out"
grep -q '^SensitiveBytes(len=23, \[REDACTED\])$' "$build/readme.out"
grep -q '^200 ' "$build/readme.out"
printf '== README records program\n'
mono "$build/ReadmeRecords.exe" | tee "$build/readme-records.out"
grep -qx 'OpenedRecord(disclosed=\[account_iban, born\], masked=\[\], withheld=\[transfers, witness_name\])' "$build/readme-records.out"
grep -qx 'NL91ABNA0417164300 203' "$build/readme-records.out"
grep -qx '1971 3/4' "$build/readme-records.out"
grep -qx 'True' "$build/readme-records.out"
printf '== example MlaExchange\n'
mono "$build/MlaExchange.exe" >/dev/null
echo "dotnet binding: all tests passed"
