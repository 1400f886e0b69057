#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok, a kubelet stand-in) at the version pinned in test/kwok/go.mod, for
# the runtime-evidence tests (issue 16): through it the test API server serves pods/log and
# pods/portforward. Cached outside the checkout, keyed on the version; cold about 7 minutes.
# Output: .testenv/bin/kwok, .testenv/kwok/stages.yaml (kwok's stock "fast" stages).
set -euo pipefail
cd "$(dirname "$0")/.."
MOD=test/kwok
if ! command -v go >/dev/null; then
  echo "go is not installed: the runtime-evidence tests will be skipped" >&2
  exit 0
fi
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
KWOK=$(cd "$MOD" && go list -m -f '{{.Version}}' sigs.k8s.io/kwok)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ambient-doctor"
CACHED="$CACHE/kwok-$KWOK"
mkdir -p "$CACHE" .testenv/bin .testenv/kwok
if [[ -x "$CACHED" ]]; then
  echo "kwok $KWOK is cached ($CACHED)"
else
  echo "building kwok $KWOK; cold: about 7 minutes"
  start=$(date +%s)
  (cd "$MOD" && go build -trimpath -ldflags "-s -w" -o "$CACHED.tmp" sigs.k8s.io/kwok/cmd/kwok)
  mv "$CACHED.tmp" "$CACHED"
  echo "built kwok in $(( $(date +%s) - start )) s"
fi
ln -sf "$CACHED" .testenv/bin/kwok
# The stock stages kwok ships: without them it moves no node or pod through its life cycle.
DIR=$(cd "$MOD" && go mod download -json "sigs.k8s.io/kwok@$KWOK" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
{
  for f in node/fast/node-initialize.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$DIR/kustomize/stage/$f"
  done
} > .testenv/kwok/stages.yaml
echo "kwok $KWOK -> .testenv/bin/kwok, stages in .testenv/kwok/stages.yaml"
