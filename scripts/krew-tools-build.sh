#!/usr/bin/env bash
# Builds krew v0.5.0 and its manifest validator into .tools/bin (with the kubectl-krew link that
# lets `kubectl krew` find it), for the packaging checks. Go's caches stay at their defaults
# under $HOME, so later runs only link (about 3 s). See scripts/krew-tools/go.mod for why this
# is a module build rather than `go install …@v0.5.0`.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD/.tools/bin
mkdir -p "$OUT"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
(cd scripts/krew-tools &&
  go build -trimpath -o "$OUT/validate-krew-manifest" sigs.k8s.io/krew/cmd/validate-krew-manifest &&
  go build -trimpath -ldflags "-X sigs.k8s.io/krew/internal/version.gitTag=v0.5.0" -o "$OUT/krew" sigs.k8s.io/krew/cmd/krew)
ln -sf krew "$OUT/kubectl-krew"
echo "built krew v0.5.0 and validate-krew-manifest into .tools/bin in $(( $(date +%s) - start )) s"
