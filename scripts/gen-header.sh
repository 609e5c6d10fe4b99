#!/usr/bin/env bash
# Generates include/custodia.h from src/ffi/ with cbindgen (configuration: cbindgen.toml).
# With --verify, generates to compare only and fails when the committed header is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
want="cbindgen 0.29.4"
if [ "$(cbindgen --version 2>/dev/null)" != "$want" ]; then
  echo "need $want (./scripts/install-deps.sh installs it)" >&2
  exit 1
fi
# cbindgen reads src/ffi/mod.rs and its submodules only, so that no other module's public constants leak into the
# header; everything C sees is declared there.
cbindgen --quiet --config cbindgen.toml --output include/custodia.h "$@" src/ffi/mod.rs
