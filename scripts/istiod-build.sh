#!/usr/bin/env bash
# Builds istiod (pilot-discovery) at the version pinned in test/istiod/go.mod, and extracts the
# real Istio and Gateway API CRDs from the same modules, for the live tests against real Istio
# (issue 14). The binary is cached outside the checkout, keyed on the version, so a clean clone
# reuses it; a cold build takes 10-40 minutes (about 140 modules), warm about a minute.
# Output: .testenv/bin/pilot-discovery, .testenv/bin/xds, .testenv/crds/*.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time per checkout: .ci/run starts this early and npm test runs it again; the second waits
# for the first, then finds its output up to date.
mkdir -p .testenv && exec 9>.testenv/istiod-build.lock
if command -v flock >/dev/null; then flock 9; fi
MOD=test/istiod
if ! command -v go >/dev/null; then
  echo "go is not installed: the istiod tests will be skipped" >&2
  exit 0
fi
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
ISTIO=$(cd "$MOD" && go list -m -f '{{.Version}}' istio.io/istio)
GWAPI=$(cd "$MOD" && go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ambient-doctor"
CACHED="$CACHE/pilot-discovery-$ISTIO"
mkdir -p "$CACHE" .testenv/bin .testenv/crds
if [[ -x "$CACHED" ]]; then
  echo "pilot-discovery $ISTIO is cached ($CACHED)"
else
  echo "building pilot-discovery $ISTIO (istio.io/istio); cold: 10-40 minutes"
  start=$(date +%s)
  (cd "$MOD" && go build -trimpath -ldflags "-s -w" -o "$CACHED.tmp" istio.io/istio/pilot/cmd/pilot-discovery)
  mv "$CACHED.tmp" "$CACHED"
  echo "built pilot-discovery in $(( $(date +%s) - start )) s"
fi
ln -sf "$CACHED" .testenv/bin/pilot-discovery
# The xDS client the differential poses as proxies with (test/istiod/xds), cached by the Istio version
# and its source; it shares the module graph, so a warm build takes seconds.
XDS_KEY=$(cat "$MOD/xds/main.go" "$MOD/go.mod" | sha256sum | cut -c1-12)
XDS_CACHED="$CACHE/xds-$ISTIO-$XDS_KEY"
if [[ ! -x "$XDS_CACHED" ]]; then
  start=$(date +%s)
  (cd "$MOD" && go build -trimpath -ldflags "-s -w" -o "$XDS_CACHED.tmp" ./xds)
  mv "$XDS_CACHED.tmp" "$XDS_CACHED"
  echo "built the xds client in $(( $(date +%s) - start )) s"
fi
ln -sf "$XDS_CACHED" .testenv/bin/xds
# CRDs from the module zips the build used: Istio's 15 and Gateway API's experimental channel
# (the ValidatingAdmissionPolicy file beside them is not a CRD).
ISTIO_DIR=$(cd "$MOD" && go mod download -json "istio.io/istio@$ISTIO" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
GWAPI_DIR=$(cd "$MOD" && go mod download -json "sigs.k8s.io/gateway-api@$GWAPI" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
rm -f .testenv/crds/*.yaml
cp "$ISTIO_DIR/manifests/charts/base/files/crd-all.gen.yaml" .testenv/crds/istio.yaml
for f in "$GWAPI_DIR"/config/crd/experimental/gateway.networking*.yaml; do
  [[ "$f" == *vap_* ]] && continue
  cp "$f" ".testenv/crds/gateway-api-$(basename "$f")"
done
chmod u+w .testenv/crds/*.yaml
echo "$ISTIO $GWAPI" > .testenv/crds/VERSION
echo "CRDs: istio $ISTIO, gateway-api $GWAPI -> .testenv/crds ($(ls .testenv/crds/*.yaml | wc -l) files)"
