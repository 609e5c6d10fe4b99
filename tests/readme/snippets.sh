#!/usr/bin/env bash
# Runs the README's C, Python, Java and Go snippets (section "From C, Python and Java") as written: each is extracted from
# README.md, wrapped only with what a fragment cannot carry (includes and main, imports and a class, the input bytes),
# compiled against the release library and the bindings, and run in a fresh directory. Each must print the refusal
# its last lines provoke. Needs: target/release/libcustodia.so, bindings/java/build/classes (run after
# bindings/java/run-tests.sh, as scripts/test-all.sh does).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first ```$1 block after the heading "## From C, Python and Java".
block() {
  awk -v lang="$1" '
    /^## From C, Python and Java/ { in_section = 1; next }
    in_section && /^## / { exit }
    in_section && !done && $0 == "```" lang { grab = 1; next }
    grab && $0 == "```" { grab = 0; done = 1; next }
    grab { print }
  ' "$root/README.md"
}
expect_refusal() { # $1 name, $2 output file
  grep -q "extradition" "$2" || { echo "README $1 snippet: no refusal printed" >&2; cat "$2" >&2; exit 1; }
  echo "README $1 snippet: ran, refusal printed"
}

lib="$root/target/release"
# C: the fragment inside main, with the input and master key it names.
mkdir -p "$work/c"
{
  printf '#include <stdint.h>\n#include <stdio.h>\n#include "custodia.h"\n\nint main(void) {\n'
  printf '    static const uint8_t master_key[32] = {7};\n'
  printf '    static const uint8_t data[] = "IBAN NL91ABNA0417164300";\n    size_t data_len = sizeof data - 1;\n'
  block c
  printf '    return 0;\n}\n'
} > "$work/c/app.c"
[ -s "$work/c/app.c" ] && grep -q custodia_seal "$work/c/app.c" || { echo "no C snippet found" >&2; exit 1; }
cc -std=c11 -Wall -Werror -Wno-unused-variable -I"$root/include" "$work/c/app.c" -o "$work/c/app" \
  -L"$lib" -Wl,-rpath,"$lib" -lcustodia
(cd "$work/c" && ./app > out.txt)
expect_refusal C "$work/c/out.txt"

# Python: the snippet as a script.
mkdir -p "$work/py"
block python > "$work/py/app.py"
grep -q 'c.seal' "$work/py/app.py" || { echo "no Python snippet found" >&2; exit 1; }
(cd "$work/py" && CUSTODIA_LIB="$lib/libcustodia.so" PYTHONPATH="$root/bindings/python/src" python3 app.py > out.txt)
expect_refusal Python "$work/py/out.txt"

# Java: the snippet as the body of main, with the imports it uses.
mkdir -p "$work/java"
{
  printf 'import static java.nio.charset.StandardCharsets.UTF_8;\nimport java.nio.file.Path;\nimport org.custodia.*;\n\n'
  printf 'public class App {\n    public static void main(String[] args) {\n'
  block java
  printf '    }\n}\n'
} > "$work/java/App.java"
grep -q 'c.seal' "$work/java/App.java" || { echo "no Java snippet found" >&2; exit 1; }
cp="$root/bindings/java/build/classes:${JNA_JAR:-/usr/share/java/jna.jar}"
javac -d "$work/java" -cp "$cp" "$work/java/App.java"
(cd "$work/java" && CUSTODIA_LIB="$lib/libcustodia.so" java -cp "$work/java:$cp" App > out.txt)
expect_refusal Java "$work/java/out.txt"

# Go: the snippet as the body of main, in a module that points at bindings/go (no network: GOPROXY=off).
mkdir -p "$work/go"
printf 'module app\n\ngo 1.19\n\nrequire github.com/custodia/custodia/bindings/go v0.0.0\n\nreplace github.com/custodia/custodia/bindings/go => %s/bindings/go\n' \
  "$root" > "$work/go/go.mod"
{
  printf 'package main\n\nimport (\n\t"errors"\n\t"fmt"\n\n\tcustodia "github.com/custodia/custodia/bindings/go"\n)\n\n'
  printf 'func main() {\n'
  block go
  printf '}\n'
} > "$work/go/main.go"
grep -q 'c.Seal' "$work/go/main.go" || { echo "no Go snippet found" >&2; exit 1; }
(cd "$work/go" && GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local go run . > out.txt)
expect_refusal Go "$work/go/out.txt"

# The debug-profile overrides a dependent is told to set: valid TOML, every package named is one custodia depends on.
block_anywhere() { awk -v lang="$1" '!done && $0 == "```" lang { g = 1; next } g && $0 == "```" { g = 0; done = 1; next } g { print }' "$root/README.md"; }
block_anywhere toml > "$work/profile.toml"
python3 - "$work/profile.toml" "$root/Cargo.lock" <<'PY'
import sys, tomllib
profile = tomllib.load(open(sys.argv[1], "rb"))["profile"]["dev"]["package"]
locked = {p["name"] for p in tomllib.load(open(sys.argv[2], "rb"))["package"]}
missing = sorted(set(profile) - locked)
if not profile or missing:
    sys.exit(f"README profile overrides name packages custodia does not depend on: {missing or 'none given'}")
print(f"README TOML snippet: {len(profile)} packages, all in Cargo.lock")
PY
