#!/usr/bin/env bash
# SD-JWT interoperability (docs/FORMAT.md section 15): custodia against an independent implementation, PyPI `sd-jwt`,
# both ways. Makes (or reuses) a venv in tests/sdjwt/.venv with the packages pinned in requirements.txt (installed
# by scripts/install-deps.sh ahead of time; here only when missing or changed), builds examples/sdjwt_interop and
# runs tests/sdjwt/interop.py. Set CUSTODIA_SDJWT_VENV to put the venv elsewhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${CUSTODIA_SDJWT_VENV:-$here/.venv}"
req="$here/requirements.txt"
stamp="$venv/.custodia-requirements-sha256"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum "$req" | cut -d' ' -f1)" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    sha256sum "$req" | cut -d' ' -f1 > "$stamp"
fi
cd "$root"
cargo build --quiet --example sdjwt_interop
"$venv/bin/python" "$here/interop.py" target/debug/examples/sdjwt_interop
