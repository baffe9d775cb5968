// Package argv holds the pure command-line helpers of the test bed:
// merging kube-apiserver flag defaults with a caller's overrides and
// redacting credentials from kubectl arguments before they reach an error
// message. It has no dependencies beyond the standard library so that it
// can be fuzzed without instrumenting Kubernetes; it must never do I/O.
package argv
