module example.invalid/kubectl-printers

go 1.23.0

// kubectl v1.32's own JSONPath and number handling (client-go and apimachinery of that release).
require (
	k8s.io/apimachinery v0.32.4
	k8s.io/client-go v0.32.4
)

require sigs.k8s.io/json v0.0.0-20241010143419-9aa6b5e7a4b3 // indirect
