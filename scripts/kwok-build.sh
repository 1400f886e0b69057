#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok, a kubelet stand-in) at the version pinned in test/kwok/go.mod, for
# the runtime-evidence tests (issue 16): through it the test API server serves pods/log and
# pods/portforward. Cached outside the checkout, keyed on the version; cold about 7 minutes.
# Output: .testenv/bin/kwok, .testenv/kwok/stages.yaml (kwok's stock node stage), .testenv/kwok/crds/.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time per checkout: .ci/run starts this early and npm test runs it again; the second waits
# for the first, then finds its output up to date.
mkdir -p .testenv && exec 9>.testenv/kwok-build.lock
if command -v flock >/dev/null; then flock 9; fi
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
# kwok's stock node stage (Ready, addresses, kubelet port). No pod stages: they would rewrite the
# status of the scenarios' pods (IPs, Ready), which the tests set themselves.
DIR=$(cd "$MOD" && go mod download -json "sigs.k8s.io/kwok@$KWOK" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp "$DIR/kustomize/stage/node/fast/node-initialize.yaml" .testenv/kwok/stages.yaml
mkdir -p .testenv/kwok/crds
cp "$DIR"/kustomize/crd/bases/kwok.x-k8s.io_{logs,portforwards}.yaml .testenv/kwok/crds/
chmod u+w .testenv/kwok/stages.yaml .testenv/kwok/crds/*.yaml
echo "kwok $KWOK -> .testenv/bin/kwok, stages in .testenv/kwok/stages.yaml"
