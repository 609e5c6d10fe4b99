#!/usr/bin/env bash
# Generates include/custodia.h from the C ABI crate (ffi/, package custodia-ffi) with cbindgen (configuration: cbindgen.toml).
# With --verify, generates to compare only and fails when the committed header is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
want="cbindgen 0.29.4"
if [ "$(cbindgen --version 2>/dev/null)" != "$want" ]; then
  echo "need $want (./scripts/install-deps.sh installs it)" >&2
  exit 1
fi
# cbindgen parses only the ffi crate (parse_deps = false), so the header holds exactly what it declares for C.
cbindgen --quiet --config cbindgen.toml --crate custodia-ffi --output include/custodia.h "$@"
