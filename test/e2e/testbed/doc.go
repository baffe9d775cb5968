// Package testbed runs a real Kubernetes control plane inside a Go test
// process so that trustbridge's end-to-end tests exercise the genuine
// kube-apiserver: TokenRequest-issued service-account JWTs, the
// apiserver's own OIDC discovery document and JWKS, webhook token
// authentication, webhook authorization and mutating admission webhooks.
//
// A Cluster is an embedded etcd (go.etcd.io/etcd/server/v3/embed) and an
// in-process kube-apiserver v1.32.4 built from k8s.io/kubernetes'
// cmd/kube-apiserver/app, serving HTTPS on a loopback port chosen before
// start, so the service-account issuer is the apiserver's own URL and a
// relying party (trustbridge's STS) fetches discovery and keys from it.
// There is no scheduler, controller-manager or kubelet: Pods are stored but
// never run, namespaces get no "default" ServiceAccount (create the ones a
// test needs, see EnsureServiceAccount) and deleted namespaces never finish
// terminating.
//
// The product is tested black-box: BuildTrustbridge compiles the
// trustbridge binary from the repository root and tests run it as a
// subprocess. This module pins Kubernetes v1.32.4 staging modules while the
// product uses client-go v0.37, so this package must never import product
// packages (github.com/trustbridge/trustbridge/internal/...), and the
// product must never import this module.
//
// Operations: LogProcess tees a subprocess's output into
// $TRUSTBRIDGE_E2E_LOG_DIR (set by scripts/test.sh, whose secret scan reads
// every file there); BuildTrustbridge reports a cold build's progress on
// stderr (visible when go test streams output: one package, -v, -p 1 or
// -json); `go run ./testbed/cmd/prebuild` compiles everything the e2e
// tests need before go test runs, with counts and rates every 30 seconds.
//
// What this package must never do: listen on anything but 127.0.0.1, leave
// processes, listeners or temporary directories behind after Close (or the
// test's cleanup), write apiserver logs to the test output of a passing
// test, or put a token, key or other secret in an error message or log
// line it produces itself.
package testbed
