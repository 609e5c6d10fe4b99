#!/usr/bin/env bash
# Installs everything custodia's build and test command need on a fresh Debian machine.
# Idempotent: every step checks first, so re-running it is cheap.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }

have cc || need_apt+=(gcc)
have make || need_apt+=(make)
have pkg-config || need_apt+=(pkg-config)
have valgrind || need_apt+=(valgrind)
# Python binding: a venv with pytest (from PyPI on the first run).
have python3 || need_apt+=(python3)
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# Java binding: JDK, JNA and JUnit 5 from Debian (no Maven Central needed).
have javac || need_apt+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java libjna-jni)
[ -f /usr/share/java/junit-platform-console-standalone.jar ] || need_apt+=(junit5)
# Node binding: node (18 or later; Debian 12 ships 18) and npm; koffi and TypeScript come from the npm registry below.
have node || need_apt+=(nodejs)
have npm || need_apt+=(npm)
# C# binding: Debian's Mono compiler and runtime (bindings/dotnet/run-tests.sh; no .NET SDK, no NuGet).
have mcs || need_apt+=(mono-mcs)
have mono || need_apt+=(mono-runtime)
[ -f /usr/lib/mono/4.5/System.Numerics.dll ] || need_apt+=(libmono-system-numerics4.0-cil)  # the signer tests' Ed25519
# Go binding: Debian's Go (1.19) with cgo; standard library only, so no module is ever downloaded.
have go || need_apt+=(golang-go)
# The PKCS#11 provider's tests (feature pkcs11): a SoftHSM2 token in a temporary directory.
{ [ -f /usr/lib/softhsm/libsofthsm2.so ] && have softhsm2-util; } || need_apt+=(softhsm2)
# The PostgreSQL backends' tests, example and benchmark (feature postgres): Debian's server binaries, run by the tests
# themselves (initdb into a temporary directory, as the `postgres` system user the package creates when run as root).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
have runuser || need_apt+=(util-linux)

if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# The Node binding's modules, exactly as package-lock.json pins them (koffi's prebuilt binary comes as a platform
# package, so no install script is run). Skipped when the lock has not changed since the last install.
node_dir="$(cd "$(dirname "$0")/.." && pwd)/bindings/node"
node_lock_hash="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$node_dir/node_modules/.custodia-lock-sha256" 2>/dev/null)" != "$node_lock_hash" ]; then
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$node_lock_hash" > "$node_dir/node_modules/.custodia-lock-sha256"
fi

# The SD-JWT interop peer (tests/sdjwt/run.sh): PyPI sd-jwt and its dependencies as tests/sdjwt/requirements.txt
# pins them, in a venv of their own. Skipped when the pins have not changed since the last install.
sdjwt_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/sdjwt"
sdjwt_hash="$(sha256sum "$sdjwt_dir/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$sdjwt_dir/.venv/.custodia-requirements-sha256" 2>/dev/null)" != "$sdjwt_hash" ]; then
  [ -x "$sdjwt_dir/.venv/bin/python" ] || python3 -m venv "$sdjwt_dir/.venv"
  "$sdjwt_dir/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$sdjwt_dir/requirements.txt"
  echo "$sdjwt_hash" > "$sdjwt_dir/.venv/.custodia-requirements-sha256"
fi

have cargo || { echo "cargo (rustup toolchain) is required" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
# The stated MSRV (rust-version in every Cargo.toml), checked by scripts/test-all.sh.
rustup toolchain list | grep -q '^1\.89' || rustup toolchain install 1.89 --profile minimal

# Miri (scripts/miri.sh; test-all runs its quick form): the nightly toolchain with the miri and rust-src components.
rustup toolchain list 2>/dev/null | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup +nightly component list --installed 2>/dev/null | grep -q '^miri' || rustup +nightly component add miri rust-src

# cbindgen generates include/custodia.h; Debian's package (0.24) is too old for edition 2024's #[unsafe(no_mangle)].
CBINDGEN_VERSION=0.29.4
if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
fi

# cargo-fuzz (libFuzzer) runs the fuzz targets in fuzz/ (scripts/fuzz.sh, and its smoke run in test-all.sh). It needs
# a nightly toolchain; scripts/fuzz.sh falls back to stable with RUSTC_BOOTSTRAP=1 when none is installed.
CARGO_FUZZ_VERSION=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
