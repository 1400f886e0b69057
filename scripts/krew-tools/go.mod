// Pins krew's own tools (the manifest validator and krew itself) for the packaging checks.
// Built inside this module because `go install …@v0.5.0` asks the proxy for the module's
// version list, which this machine's proxy refuses (403), and a module build does not.
module ambient-doctor/krew-tools

go 1.25

require sigs.k8s.io/krew v0.5.0
