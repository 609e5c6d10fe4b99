#!/usr/bin/env bash
# Cross-language interoperability test (issue #7, item 4; Node, C# and Go added by issue 19): seal in each of Rust,
# C, Python, Java, Node, C# and Go and open in each of the others, for
#   A. one shared keyring directory that the programs take turns on (a KEK generated once), and
#   B. one authority per language, each with its own keyring and X25519 key, sealing for the public keys it imported
#      from the others;
# each time a buffer envelope (opens to identical bytes), a refusal (a purpose the envelope was not sealed for: exit
# status 200, purpose_not_permitted, in every language, and no plaintext written) and a streamed file of a few MiB
# (opens to identical bytes); and
#   C. grants (rule of speciality): each language, as the originator, seals a signed envelope for all the others
#      and issues a purpose extension grant (asset_recovery); each other language applies the grant (re-issues the
#      envelope) and opens it for asset_recovery, which the envelope alone refuses.
#   D. disclosure receipts between the authorities of B: each language receives the envelope each other one
#      sealed for it in B (and opened, and was refused, there) and issues a signed receipt; the sender imports it
#      (verified against the issuer's imported Ed25519 key), every language verifies it with the issuer's public key
#      text alone and refuses it with another key (314), and a third authority's import is refused (220: not its
#      envelope).
#
# Every language runs the same small command line (examples/interop.rs, tests/interop/interop.c,
# tests/interop/interop.py, tests/interop/Interop.java, tests/interop/interop.js, tests/interop/Interop.cs,
# tests/interop/go/interop.go). Builds are reused: the release library and example (cargo), tests/c/build/interop
# (make), the Python venv, the Java classes, the Node modules (bindings/node/node_modules) and the C# assembly
# (bindings/dotnet/build/Custodia.dll) that bindings/*/run-tests.sh make; the Go program is built here.
# Keyrings are unlocked with a fixed raw master key, not Argon2id, so a run takes seconds.
#
#   tests/interop/run.sh            prints the matrices; exits non-zero on any mismatch
#   CUSTODIA_INTEROP_MIB=8          size of the streamed file (default 3)
#   CUSTODIA_INTEROP_KEEP=1         keep the work directory (it is always kept on failure)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mib=${CUSTODIA_INTEROP_MIB:-3}
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
venv_python=${CUSTODIA_VENV:-$root/bindings/python/.venv}/bin/python
java_classes=$root/bindings/java/build/classes
node_dir=$root/bindings/node
dotnet_dll=$root/bindings/dotnet/build/Custodia.dll
langs=(rust c python java node dotnet go)

step() { printf '\n== %s\n' "$*"; }

step "interop builds (reused when current)"
(cd "$root" && cargo build --release --quiet --example interop)
make -s -C "$root/tests/c" interop
export CUSTODIA_LIB="$root/target/release/libcustodia.so"
"$venv_python" -c 'import custodia' 2>/dev/null || {
  echo "no Python venv with custodia at $venv_python: run bindings/python/run-tests.sh first" >&2; exit 1; }
[ -d "$java_classes/org/custodia" ] || {
  echo "no Java classes in $java_classes: run bindings/java/run-tests.sh first" >&2; exit 1; }
[ -d "$node_dir/node_modules/koffi" ] && node -e 'require(process.argv[1])' "$node_dir" 2>/dev/null || {
  echo "no Node binding with its modules in $node_dir: run bindings/node/run-tests.sh first" >&2; exit 1; }
[ -f "$dotnet_dll" ] && command -v mcs >/dev/null && command -v mono >/dev/null || {
  echo "no C# assembly at $dotnet_dll (or no mcs/mono): run bindings/dotnet/run-tests.sh first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/custodia-interop.XXXXXX")
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] || [ -n "${CUSTODIA_INTEROP_KEEP:-}" ]; then
    echo "work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$work/java"
javac -Xlint:all -Werror -d "$work/java" -cp "$java_classes:$JNA_JAR" "$root/tests/interop/Interop.java"
mkdir -p "$work/dotnet"
cp "$dotnet_dll" "$work/dotnet/"
mcs -nologo -warnaserror -out:"$work/dotnet/Interop.exe" -r:"$work/dotnet/Custodia.dll" "$root/tests/interop/Interop.cs"
# Go: tests/interop/go (a module that replaces the binding's with bindings/go), standard library only, no network.
command -v go >/dev/null || { echo "no go toolchain: run scripts/install-deps.sh (golang-go)" >&2; exit 1; }
(cd "$root/tests/interop/go" && GOPROXY=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=1 \
  go build -o "$work/go-interop" .)

# run <lang> <args...>: one language's interop program.
run() {
  local lang=$1
  shift
  case $lang in
    rust) "$root/target/release/examples/interop" "$@" ;;
    c) "$root/tests/c/build/interop" "$@" ;;
    python) "$venv_python" "$root/tests/interop/interop.py" "$@" ;;
    java) java -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$work/java:$java_classes:$JNA_JAR" Interop "$@" ;;
    node) node "$root/tests/interop/interop.js" "$@" ;;
    dotnet) LD_LIBRARY_PATH="$root/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" mono "$work/dotnet/Interop.exe" "$@" ;;
    go) "$work/go-interop" "$@" ;;
  esac
}

# must <lang> <args...>: run, and stop the test with the program's stderr if it fails (setup steps).
must() {
  if ! run "$@" 2>"$work/stderr"; then
    { echo "FAILED: $*"; cat "$work/stderr"; } >&2
    exit 1
  fi
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Results are printed from command substitutions (subshells), so failures are counted in a log, not a variable.
# check_open <sha256> <out> <lang> <args...>: an open that must succeed and reproduce the plaintext whose hash is $want.
check_open() {
  local want=$1 out=$2
  shift 2
  rm -f "$out"
  if run "$@" 2>"$work/stderr" && [ -f "$out" ] && [ "$(sha "$out")" = "$want" ]; then
    rm -f "$out"
    printf ok
  else
    { echo "FAILED (open, want sha256 $want): $*"; cat "$work/stderr"; } >>"$work/failures.log"
    printf XX
  fi
}

# check_refused <out> <lang> <args...>: an open that must be refused with status 200 and write nothing.
check_refused() {
  local out=$1 rc=0
  shift
  rm -f "$out"
  run "$@" 2>"$work/stderr" || rc=$?
  if [ "$rc" -eq 200 ] && grep -q '^custodia error 200 purpose_not_permitted' "$work/stderr" && [ ! -s "$out" ]; then
    printf 200
  else
    { echo "FAILED (refusal, want exit 200 and no output, got exit $rc): $*"; cat "$work/stderr"; } \
      >>"$work/failures.log"
    printf XXX
  fi
}

head -c 65536 /dev/urandom >"$work/plain.bin"
printf '\nWitness statement, MLA-2026-0007: ünïcödé, NUL \0 and all.\n' >>"$work/plain.bin"
head -c $((mib * 1024 * 1024 + 12345)) /dev/urandom >"$work/big.bin"
plain_sha=$(sha "$work/plain.bin")
big_sha=$(sha "$work/big.bin")

header() {
  printf '%-9s' 'seal\open'
  for o in "${langs[@]}"; do printf ' %-12s' "$o"; done
  printf '\n'
}

# matrix <title> <keyring-of-sealer-fn> <keyring-of-opener-fn> <recipients-fn>
matrix() {
  local title=$1 sealer_dir=$2 opener_dir=$3 recipients=$4
  step "$title"
  echo "cell: buffer open / refusal status / streamed ${mib} MiB open (ok = identical bytes)"
  header
  for s in "${langs[@]}"; do
    local env="$work/$s.env" senv="$work/$s.stream.env"
    # shellcheck disable=SC2046 # the recipient list is whitespace-separated key ids
    must "$s" seal "$($sealer_dir "$s")" "$env" "$work/plain.bin" $($recipients "$s")
    # shellcheck disable=SC2046
    must "$s" seal-stream "$($sealer_dir "$s")" "$senv" "$work/big.bin" $($recipients "$s")
    printf '%-9s' "$s"
    for o in "${langs[@]}"; do
      if [ "$o" = "$s" ]; then
        printf ' %-12s' "-"
        continue
      fi
      local d cell
      d=$($opener_dir "$o")
      cell="$(check_open "$plain_sha" "$work/out" "$o" open "$d" "$env" investigation "$work/out")"
      cell+="/$(check_refused "$work/out" "$o" open "$d" "$env" asset_recovery "$work/out")"
      cell+="/$(check_open "$big_sha" "$work/out" "$o" open-stream "$d" "$senv" prosecution "$work/out")"
      printf ' %-12s' "$cell"
    done
    printf '\n'
  done
}

SECONDS=0
# --- A. one keyring directory, the languages taking turns (each run opens and closes it: the audit lock).
shared="$work/shared"
kek=$(must c generate "$shared" kek)
shared_dir() { echo "$shared"; }
shared_recipients() { echo "$kek"; }
matrix "A. one shared keyring directory (KEK $kek), the languages taking turns" shared_dir shared_dir \
  shared_recipients

# --- B. one authority per language: its own keyring and X25519 key, importing the others' public keys.
for l in "${langs[@]}"; do
  must "$l" generate "$work/auth-$l" x25519 >"$work/pub-$l.txt"
done
for l in "${langs[@]}"; do
  others=()
  for m in "${langs[@]}"; do
    [ "$m" = "$l" ] || others+=("$work/pub-$m.txt")
  done
  must "$l" import "$work/auth-$l" "${others[@]}" >"$work/ids-$l.txt"
  [ "$(wc -l <"$work/ids-$l.txt")" -eq $((${#langs[@]} - 1)) ] || { echo "FAILED: $l imported $(cat "$work/ids-$l.txt")" >&2; exit 1; }
done
authority_dir() { echo "$work/auth-$1"; }
imported_recipients() { cat "$work/ids-$1.txt"; }
matrix "B. ${#langs[@]} authorities, sealed for the others' imported X25519 public keys" authority_dir \
  authority_dir imported_recipients

# --- C. grants: issued by the sealer (the originator), applied and opened by each of the others.
step "C. grants: sealed and granted in one language (purpose extension to asset_recovery), applied and opened in each other"
echo "cell: refusal without the grant (200) / the grant applied, open for asset_recovery (ok = identical bytes)"
header
for s in "${langs[@]}"; do
  # The first of the two lines (id, then public text); no pipe into head, which would close it under the writer.
  signer=$(must "$s" generate "$work/auth-$s" ed25519)
  signer=${signer%%$'\n'*}
  # shellcheck disable=SC2046 # the recipient list is whitespace-separated key ids
  must "$s" seal-signed "$work/auth-$s" "$work/$s.signed" "$work/plain.bin" "$signer" $(imported_recipients "$s")
  must "$s" grant "$work/auth-$s" "$work/$s.signed" "$signer" asset_recovery "$work/$s.grant"
  printf '%-9s' "$s"
  for o in "${langs[@]}"; do
    if [ "$o" = "$s" ]; then
      printf ' %-12s' "-"
      continue
    fi
    cell=$(check_refused "$work/out" "$o" open "$work/auth-$o" "$work/$s.signed" asset_recovery "$work/out")
    if run "$o" extend "$work/auth-$o" "$work/$s.signed" "$work/$s.grant" "$work/$s.$o.extended" 2>"$work/stderr"; then
      cell+="/$(check_open "$plain_sha" "$work/out" "$o" open "$work/auth-$o" "$work/$s.$o.extended" asset_recovery \
        "$work/out")"
    else
      { echo "FAILED (extend): $o extend $s's envelope"; cat "$work/stderr"; } >>"$work/failures.log"
      cell+="/XX"
    fi
    printf ' %-12s' "$cell"
  done
  printf '\n'
done

# --- D. receipts: issued in each language, imported by the sender and verified in each of the others.
for l in "${langs[@]}"; do
  must "$l" generate "$work/auth-$l" ed25519 >"$work/ed-$l.txt"
  head -1 "$work/ed-$l.txt" >"$work/signer-$l.txt"
  tail -1 "$work/ed-$l.txt" >"$work/edpub-$l.txt"
done
for l in "${langs[@]}"; do
  others=()
  for m in "${langs[@]}"; do
    [ "$m" = "$l" ] || others+=("$work/edpub-$m.txt")
  done
  must "$l" import "$work/auth-$l" "${others[@]}" >/dev/null
done
# check_status <want-code> <lang> <args...>: a receipt command that must succeed (0: printing kinds that include
# received, opened and refused) or fail with this custodia status (exit status the code, or 255 above 254).
check_status() {
  local want=$1 rc=0 exit_want
  shift
  exit_want=$((want <= 254 ? want : 255))
  run "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
  if [ "$rc" -eq "$exit_want" ] && { [ "$want" -ne 0 ] || { grep -q 'received' "$work/stdout" &&
    grep -q 'opened' "$work/stdout" && grep -q 'refused' "$work/stdout"; }; } &&
    { [ "$want" -eq 0 ] || grep -q "^custodia error $want " "$work/stderr"; }; then
    [ "$want" -eq 0 ] && printf ok || printf '%s' "$want"
  else
    { echo "FAILED (receipt, want exit $want, got $rc): $*"; cat "$work/stdout" "$work/stderr"; } >>"$work/failures.log"
    printf XX
  fi
}
step "D. disclosure receipts: the row's language issues a receipt for the envelope the column's sealed for it"
echo "cell: the sender (column) imports it / verifies it with the issuer's key alone / with its own key (314) /"
echo "      a third authority imports it (220); then every other language verifies it standalone (ok)"
printf '%-10s' 'issue\send'
for o in "${langs[@]}"; do printf ' %-16s' "$o"; done
printf '\n'
for i in "${langs[@]}"; do
  printf '%-10s' "$i"
  for s in "${langs[@]}"; do
    if [ "$s" = "$i" ]; then
      printf ' %-16s' "-"
      continue
    fi
    receipt="$work/receipt-$i-$s.txt"
    must "$i" receipt-issue "$work/auth-$i" "$work/$s.env" "$(cat "$work/signer-$i.txt")" "$receipt"
    third=""
    for t in "${langs[@]}"; do
      if [ "$t" != "$i" ] && [ "$t" != "$s" ]; then third=$t; break; fi
    done
    cell="$(check_status 0 "$s" receipt-import "$work/auth-$s" "$receipt")"
    cell+="/$(check_status 0 "$s" receipt-verify "$receipt" "$work/edpub-$i.txt")"
    cell+="/$(check_status 314 "$s" receipt-verify "$receipt" "$work/edpub-$s.txt")"
    cell+="/$(check_status 220 "$third" receipt-import "$work/auth-$third" "$receipt")"
    for v in "${langs[@]}"; do
      [ "$v" = "$s" ] || [ "$(check_status 0 "$v" receipt-verify "$receipt" "$work/edpub-$i.txt")" = ok ] ||
        cell+="!$v"
    done
    printf ' %-16s' "$cell"
  done
  printf '\n'
done

# --- E. records (issue 16): sealed in each language that has them, opened field by field in each of the others by
# an actor cleared to confidential, for investigation: the witness (secret) and `transfers` (its own purpose,
# investigation.financial) come back withheld with their refusals, the other fields with identical values; and the
# envelope-level refusal (a purpose the record was not sealed for) is 200 everywhere.
record_langs=(rust c python java node dotnet go)
printf '%s\n' 'account_iban={"text":"NL91ABNA0417164300"}' 'born={"date":"1971-05-04"}' 'transfers withheld 200' \
  'witness_name withheld 203' >"$work/record.expected"
step "E. records: the row's language seals the record, the column's opens it (fields withheld per reader)"
echo "cell: field-by-field output identical (ok) / refusal status for asset_recovery"
printf '%-10s' 'seal\open'
for o in "${record_langs[@]}"; do printf ' %-10s' "$o"; done
printf '\n'
for s in "${record_langs[@]}"; do
  must "$s" seal-record "$work/auth-$s" "$work/$s.record" $(imported_recipients "$s")
  printf '%-10s' "$s"
  for o in "${record_langs[@]}"; do
    if [ "$o" = "$s" ]; then
      printf ' %-10s' "-"
      continue
    fi
    cell=XX
    if run "$o" open-record "$work/auth-$o" "$work/$s.record" investigation confidential >"$work/record.out" \
      2>"$work/stderr" && cmp -s "$work/record.out" "$work/record.expected"; then
      cell=ok
    else
      { echo "FAILED (record $s -> $o)"; cat "$work/record.out" "$work/stderr"; } >>"$work/failures.log"
    fi
    rc=0
    run "$o" open-record "$work/auth-$o" "$work/$s.record" asset_recovery confidential >"$work/record.out" \
      2>"$work/stderr" || rc=$?
    if [ "$rc" -eq 200 ] && [ ! -s "$work/record.out" ]; then
      cell+="/200"
    else
      { echo "FAILED (record refusal $s -> $o, exit $rc)"; cat "$work/record.out"; } >>"$work/failures.log"
      cell+="/XX"
    fi
    printf ' %-10s' "$cell"
  done
  printf '\n'
done

failures=$(grep -c '^FAILED' "$work/failures.log" 2>/dev/null || true)
echo
if [ "${failures:-0}" -ne 0 ]; then
  cat "$work/failures.log" >&2
  echo "interop: $failures failure(s) in ${SECONDS}s" >&2
  exit 1
fi
n=${#langs[@]}
r=${#record_langs[@]}
echo "interop: $n languages, 2 keyring set-ups, grants and receipts, $r with records," \
  "$((n * (n - 1) * (6 + 2 + 4 + n - 1) + r * (r - 1) * 2)) checks passed in ${SECONDS}s"
