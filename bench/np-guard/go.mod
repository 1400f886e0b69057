// np-guard's netpolicy CLI v1.4.4, for the side-by-side timing in bench/matrix.mjs.
// A module build, because `go install …@v1.4.4` first asks the Go proxy for the module's
// version list, which this machine's proxy refuses (403); the version itself is served.
module ambient-doctor/np-guard-bench

go 1.24

require github.com/np-guard/netpol-analyzer v1.4.4
