#!/usr/bin/env bash
# Builds libcustodia (release) if needed, installs the Python binding into a venv, and runs its pytest suite and
# the MLA example. Idempotent: the venv, pytest and an unchanged package are reused, so re-runs take seconds.
#
#   bindings/python/run-tests.sh [pytest args...]
#
# Needs python3 with the venv module (Debian: python3-venv) and network access to PyPI only on the first run
# (for pytest and cryptography). Set CUSTODIA_PYTHON to use another interpreter, CUSTODIA_VENV to put the venv elsewhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${CUSTODIA_PYTHON:-python3}"
venv="${CUSTODIA_VENV:-$here/.venv}"

step() { printf '\n== %s\n' "$*"; }

step "libcustodia (cargo build --release)"
(cd "$repo" && cargo build --release --quiet)
export CUSTODIA_LIB="$repo/target/release/libcustodia.so"
test -f "$CUSTODIA_LIB"

step "venv $venv"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
vpy="$venv/bin/python"
# cryptography is a test dependency only (the host-side Ed25519 of tests/test_signer.py), never the binding's.
if ! "$vpy" -c 'import pytest, setuptools, wheel, cryptography' 2>/dev/null; then
  "$vpy" -m pip install --quiet --disable-pip-version-check pytest 'setuptools>=68' wheel cryptography
fi

# Reinstall the package only when its sources changed (a stamp holds their hash).
stamp="$venv/.custodia-src-hash"
src_hash="$(cd "$here" && find pyproject.toml README.md src -type f -not -path '*/__pycache__/*' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$src_hash" ] || ! "$vpy" -c 'import custodia' 2>/dev/null; then
  step "pip install ./bindings/python"
  # No build isolation: setuptools is already in the venv, so the install needs no network.
  "$vpy" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$here"
  rm -rf "$here/build" "$here/src/custodia.egg-info"
  echo "$src_hash" > "$stamp"
fi

step "pytest (installed package)"
# Run from the tests directory so that the installed package, not src/, is imported.
(cd "$here" && "$vpy" -m pytest -p no:cacheprovider "$@")

step "example: MLA exchange"
"$vpy" "$here/examples/mla_exchange.py" >/dev/null
echo "python binding: all tests passed"
