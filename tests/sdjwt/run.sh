#!/usr/bin/env bash
# SD-JWT interoperability (docs/FORMAT.md section 15): custodia against an independent implementation, PyPI `sd-jwt`
# (pinned below), both ways. Makes (or reuses) a venv under target/, installs the pinned package there when missing
# (scripts/install-deps.sh does the same ahead of time, so a test run needs no network once it has), builds
# examples/sdjwt_interop and runs tests/sdjwt/interop.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
SD_JWT_VERSION="0.10.4"
venv="${CUSTODIA_SDJWT_VENV:-target/sdjwt-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('sd-jwt') != '$SD_JWT_VERSION')" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "sd-jwt==$SD_JWT_VERSION"
fi
cargo build --quiet --example sdjwt_interop
"$venv/bin/python" tests/sdjwt/interop.py target/debug/examples/sdjwt_interop
