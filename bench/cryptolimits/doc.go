// Package cryptolimits holds only benchmarks: the physical limits of this
// machine for the cryptography on trustbridge's request paths, measured
// with the Go standard library alone, so every load-test figure in
// docs/benchmarks.md can be read as a fraction of what the CPU can do.
//
//	go test -run='^$' -bench=. -benchmem ./bench/cryptolimits
//
// RS256 verification bounds AssumeRoleWithWebIdentity and
// AssumeRoleForPodIdentity with distinct tokens; HMAC-SHA256 bounds SigV4
// verification; AES-GCM bounds sealing and opening session tokens.
//
// It must never be imported: it has no API, and nothing here is a
// correctness test.
package cryptolimits
