#!/usr/bin/env bash
# Builds the test API server (embedded etcd + kube-apiserver) from Go modules into
# .testenv/bin/k8s-testenv. Skips the build when the binary is newer than its sources.
# Go's module and build caches stay at their defaults under $HOME, so later runs are warm.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time per checkout: .ci/run starts this early and npm test runs it again; the second waits
# for the first, then finds its output up to date.
mkdir -p .testenv && exec 9>.testenv/testenv-build.lock
if command -v flock >/dev/null; then flock 9; fi
BIN=.testenv/bin/k8s-testenv
SRC=test/cluster
if [[ -x "$BIN" && "$BIN" -nt "$SRC/go.sum" && "$BIN" -nt "$SRC/main.go" && "$BIN" -nt "$SRC/go.mod" ]]; then
  echo "k8s-testenv is up to date"
  exit 0
fi
if ! command -v go >/dev/null; then
  if [[ "${1:-}" == "--if-go" ]]; then
    echo "go is not installed: the live-cluster tests will be skipped (they need the Go-built test API server)"
    exit 0
  fi
  echo "go is not installed: the live tests need it" >&2
  exit 1
fi
echo "building the test API server (kube-apiserver + etcd) from Go modules; a cold build takes several minutes"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
KV=v1.34.4
LDF="-s -w -X k8s.io/component-base/version.gitVersion=$KV -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$KV"
mkdir -p .testenv/bin
start=$(date +%s)
(cd "$SRC" && go build -trimpath -pgo=off -ldflags "$LDF" -o "../../$BIN.tmp" .)
mv "$BIN.tmp" "$BIN"
echo "built $BIN in $(( $(date +%s) - start )) s"
