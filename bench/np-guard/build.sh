#!/usr/bin/env bash
# Builds np-guard's netpolicy CLI v1.4.4 into .tools/bin for the comparison in bench/matrix.mjs.
# GONOSUMDB: the checksum database behind this machine's proxy has no entry for
# github.com/np-guard/models@v0.5.7 (404), though the proxy serves the module; go.sum here
# records the hash of what was downloaded, so later builds are still checked against it.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GONOSUMDB=github.com/np-guard/models
mkdir -p ../../.tools/bin
go build -trimpath -o ../../.tools/bin/netpolicy github.com/np-guard/netpol-analyzer/cmd/netpolicy
echo "built .tools/bin/netpolicy (np-guard netpol-analyzer v1.4.4)"
