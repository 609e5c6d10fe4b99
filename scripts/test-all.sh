#!/usr/bin/env bash
# Runs every test of custodia: formatting, lints, docs, Rust unit/integration/doc tests, and the examples.
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "C header is current (cbindgen --verify)"
# Fails when include/custodia.h differs from a fresh generation; regenerate with ./scripts/gen-header.sh.
./scripts/gen-header.sh --verify
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets -- -D warnings
step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
step "cargo package (the crate alone: no bindings, ffi, CI or scripts inside; it builds from the package)"
cargo package -p custodia-mem -p custodia --allow-dirty --quiet 2>&1 | { grep -v '^warning: ignoring test' || true; }
if tar -tzf target/package/custodia-[0-9]*.crate | grep -E '/(bindings|ffi|include|scripts|\.ci|tests)/'; then
  echo "the crate carries files that are not the Rust library's" >&2
  exit 1
fi
step "cargo test"
cargo test --all-targets --quiet
cargo test --doc --quiet
step "Miri: custodia-mem's unsafe pool code (scripts/miri.sh --quick; the full Miri run is scripts/miri.sh)"
./scripts/miri.sh --quick
step "PKCS#11 key provider (feature pkcs11): lints, docs, tests against a SoftHSM2 token of its own"
cargo clippy --features pkcs11 --lib --test pkcs11 --test case_keys_processes --example pkcs11_bench -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features pkcs11 -p custodia --quiet
cargo test --features pkcs11 --test pkcs11 --quiet
cargo test --features pkcs11 --test case_keys_processes --quiet
cargo run --quiet --features pkcs11 --example pkcs11_bench 3 >/dev/null  # smoke form of the measurement
step "PostgreSQL audit log (feature postgres): lints, docs, tests and the benchmark against clusters of their own"
cargo clippy --features postgres --lib --test postgres_audit --example pg_audit_bench -- -D warnings
cargo clippy -p custodia-cli --features postgres --all-targets -- -D warnings  # custodia audit verify --postgres
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features postgres -p custodia --quiet
cargo test --features postgres --test postgres_audit --quiet
cargo test -p custodia --features postgres --lib --quiet audit::postgres  # the WAL-flush-before-ack test
cargo run --quiet --features postgres --example pg_audit_bench 5 2 1 >/dev/null  # smoke form of the measurement

step "PostgreSQL keyring (features postgres, pkcs11): lints, docs, two servers on one keyring and one SoftHSM2 token"
cargo clippy --features postgres,pkcs11 --lib --test postgres_keys --example pg_keyring -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features postgres,pkcs11 -p custodia --quiet
cargo test --features postgres,pkcs11 --test postgres_keys --quiet
cargo run --quiet --features postgres --example pg_keyring 3 >/dev/null  # smoke form of the measurement
step "Cluster: three server processes on one PostgreSQL database and one SoftHSM2 token, one killed (README)"
cargo clippy --features postgres,pkcs11 --example cluster -- -D warnings
cargo run --quiet --features postgres,pkcs11 --example cluster
step "fuzz smoke: every target in fuzz/ replays its corpus, then fuzzes for 3 s (docs/FUZZING.md)"
./scripts/fuzz.sh 3
step "kill campaign smoke: 20 kills each of keyring writes, audit appends, re-wrap batches (docs/FUZZING.md)"
KILL_CAMPAIGN_PROFILE=dev ./scripts/kill-campaign.sh 20
step "without the xwing feature (no ML-KEM): lints, the library's tests, the tests that use no X-Wing, the typed errors"
cargo clippy -p custodia --no-default-features --all-targets -- -D warnings
cargo tree -p custodia --no-default-features -e normal --prefix none | grep -qE '^(ml-kem|x-wing) ' \
  && { echo "ml-kem or x-wing still compiled without the xwing feature" >&2; exit 1; }
cargo test -p custodia --no-default-features --quiet --lib --test no_xwing --test format_envelope --test custodian
step "MSRV: every workspace crate builds with the rust-version its Cargo.toml states (1.89)"
cargo +1.89 check --workspace --lib --bins --features custodia/pkcs11,custodia/postgres --quiet
step "quickstart demo"
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
CUSTODIA_DEMO_DIR="$demo_dir" cargo run --quiet --example quickstart >"$demo_dir/demo.txt"
step "case store example (issue 16 §4): SQLite, masked listing, detail view, pseudonym search, SD-JWT export, audit"
cargo run --quiet --example case_store "$demo_dir/case-store" >"$demo_dir/case-store.txt"
step "audit_verify over the demo's logs"
grep 'check it yourself:' "$demo_dir/demo.txt" | sed 's/.*cargo run --example audit_verify -- //' | while read -r log key; do
  cargo run --quiet --example audit_verify -- "$log" "$key" >/dev/null
done
step "C ABI (ffi/): cdylib + staticlib, C tests in tests/c (strict C11), valgrind, AddressSanitizer"
cargo build --release --quiet
# Test-only doors (the `danger-test-hooks` feature) never reach the shipped library or header.
symbols=$(nm target/release/libcustodia.so target/release/libcustodia.a 2>/dev/null)
if grep -i danger <<<"$symbols" || grep -nE 'danger_|_danger' include/custodia.h; then
  echo "a danger_ symbol or declaration is in the release artefacts" >&2
  exit 1
fi
make -s -C tests/c check
step "Operator CLI: 1 GiB through custodia seal | custodia open (release binary), bounded memory"
# The same test as in `cargo test` (64 MiB on the debug binary), at 1 GiB on the binary just built; it prints the
# peak RSS it measured (docs/CLI.md §5).
CUSTODIA_CLI_BIN="$PWD/target/release/custodia" CUSTODIA_CLI_STREAM_MIB=1024 \
  cargo test --quiet -p custodia-cli --test stream -- --nocapture 2>&1 | grep -E 'peak RSS|test result'
step "Python binding (ctypes): pytest suite and MLA example"
bindings/python/run-tests.sh -q
step "Java binding (JNA): JUnit suite and MLA example"
bindings/java/run-tests.sh
step "Node binding (koffi): node:test suite, TypeScript declarations and MLA example"
bindings/node/run-tests.sh
step "C# binding (P/Invoke, Mono): test harness and MLA example"
bindings/dotnet/run-tests.sh
step "Go binding (cgo): go vet, go test suite and MLA example"
bindings/go/run-tests.sh
step "README: the C, Python, Java and Go snippets run as written; the TOML overrides name real dependencies"
tests/readme/snippets.sh
step "Interoperability: seal in each of Rust, C, Python, Java, Node, C#, Go; open in each of the others"
tests/interop/run.sh
step "SD-JWT interoperability: custodia and PyPI sd-jwt verify each other's presentations (tests/sdjwt/run.sh)"
tests/sdjwt/run.sh
step "Bindings against the Rust call: smoke form of the 1 KiB round-trip benchmark (benches/bindings/run.sh)"
# 2 rounds of 50 round trips per language, so that the benchmark cannot rot; it prints figures and never fails on
# one (the measurement is benches/bindings/run.sh without --smoke, BENCHMARKS.md).
benches/bindings/run.sh --smoke
echo "all tests passed"
