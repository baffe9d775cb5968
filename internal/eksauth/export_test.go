package eksauth

import (
	"testing"
	"time"
)

// TestIssuer exports the test issuer to the external e2e tests
// (package eksauth_test, which may import internal/app).
type TestIssuer struct{ is *issuer }

// NewTestIssuer starts a TLS service account issuer for the test.
func NewTestIssuer(t testing.TB) *TestIssuer { return &TestIssuer{is: newIssuer(t)} }

// URL is the issuer URL; CA its certificate (PEM).
func (i *TestIssuer) URL() string { return i.is.url }

// CA is the issuer's certificate (PEM).
func (i *TestIssuer) CA() string { return i.is.ca }

// PodToken returns a pod's projected token for audience
// pods.eks.amazonaws.com, issued at now.
func (i *TestIssuer) PodToken(t testing.TB, now time.Time, ns, sa, pod string) string {
	return sign(t, i.is.podClaims(now, ns, sa, pod), "rsa")
}
