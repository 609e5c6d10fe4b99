#!/usr/bin/env bash
# Builds libcustodia (release) if needed, installs the Node binding's modules (npm ci, from package-lock.json, only
# when the lock changed), checks the TypeScript declarations (tsc --noEmit), runs the node:test suite and the MLA
# example. Idempotent; ends non-zero on any failure.
#
#   bindings/node/run-tests.sh [node --test args...]
#
# Needs node (18 or later) and npm; the npm registry only when the modules are not installed yet.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

step() { printf '\n== %s\n' "$*"; }

step "libcustodia (cargo build --release)"
(cd "$repo" && cargo build --release --quiet)
export CUSTODIA_LIB="$repo/target/release/libcustodia.so"
test -f "$CUSTODIA_LIB"

step "node modules (npm ci when package-lock.json changed)"
stamp="$here/node_modules/.custodia-lock-sha256"
lock_hash="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  # --ignore-scripts: koffi's install script is not needed (its prebuilt binary comes as a platform package).
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
fi

step "TypeScript declarations (tsc --noEmit)"
(cd "$here" && node node_modules/typescript/bin/tsc --noEmit -p test/types)

step "node --test"
(cd "$here" && node --test "$@" test/*.test.js)

step "example: MLA exchange"
node "$here/examples/mla_exchange.js" >/dev/null
echo "node binding: all tests passed"
