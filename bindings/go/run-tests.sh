#!/usr/bin/env bash
# Builds libcustodia (release) if needed, then vets and tests the Go binding and runs its examples.
# Standard library only: no module is downloaded (GOPROXY=off, GOFLAGS=-mod=readonly). Build output goes to the
# user's Go build cache (GOCACHE, default ~/.cache/go-build) and bindings/go/build/ (ignored by git); nothing else
# is written. The test binary finds libcustodia.so through the rpath the cgo directives set (target/release).
#
#   bindings/go/run-tests.sh [go test args...]      e.g. -run TestStream -v
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

step() { printf '\n== %s\n' "$*"; }

command -v go >/dev/null || { echo "go is required (Debian: apt-get install golang-go; scripts/install-deps.sh)" >&2; exit 1; }
export GOPROXY=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local GOTELEMETRY=off CGO_ENABLED=1
# cgo's pointer checks stay on (the default, cgocheck=1): a Go pointer handed to C memory fails the run.
export GODEBUG=cgocheck=1

step "libcustodia (cargo build --release)"
(cd "$repo" && cargo build --release --quiet)
test -f "$repo/target/release/libcustodia.so"

cd "$here"
step "go vet"
go vet ./...

step "go test"
go test -count=1 "$@" ./...

step "examples"
mkdir -p build
go build -o build/ ./examples/...
./build/mla_exchange >/dev/null
./build/quickstart >/dev/null
./build/records >/dev/null
echo "go binding: all tests passed"
