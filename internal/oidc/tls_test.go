package oidc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestTLSTrust covers the trust decision: roots, CA bundle, thumbprint of
// the top presented certificate, and what stays checked under a pin.
func TestTLSTrust(t *testing.T) {
	k := getKeys()
	ca, chain := certChain(t, k.caKey, k.leafKey, "Private Issuer CA", "127.0.0.1")
	otherCA, _ := certChain(t, k.otherCAKey, k.otherLeaf, "Other CA", "127.0.0.1")
	_, wrongHost := certChain(t, k.caKey, k.leafKey, "Private Issuer CA", "issuer.example")
	leafOnly := tls.Certificate{Certificate: chain.Certificate[:1], PrivateKey: chain.PrivateKey}
	leafCert, _ := x509.ParseCertificate(chain.Certificate[0])

	caPool := x509.NewCertPool()
	caPool.AddCert(ca)
	empty := x509.NewCertPool()

	tests := []struct {
		name        string
		cert        tls.Certificate
		roots       *x509.CertPool // Options.RootCAs ("system" roots)
		thumbprints []string
		bundle      []byte
		code, msg   string
		expl        string
	}{
		{name: "chain to a trusted root, no thumbprints", cert: chain, roots: caPool},
		{name: "chain to a trusted root ignores a wrong thumbprint", cert: chain, roots: caPool, thumbprints: []string{strings.Repeat("0", 40)}},
		{name: "self-signed chain pinned by the CA thumbprint", cert: chain, roots: empty, thumbprints: []string{thumbprint(ca)}},
		{name: "pin is case-insensitive", cert: chain, roots: empty, thumbprints: []string{strings.ToUpper(thumbprint(ca))}},
		{name: "one of several thumbprints matches", cert: chain, roots: empty, thumbprints: []string{strings.Repeat("a", 40), thumbprint(ca)}},
		{name: "wrong thumbprint", cert: chain, roots: empty, thumbprints: []string{thumbprint(otherCA)},
			code: CodeInvalidIdentityToken, msg: msgThumbprint, expl: "matches none of the provider's thumbprints"},
		{name: "leaf thumbprint is not the top certificate", cert: chain, roots: empty, thumbprints: []string{thumbprint(leafCert)},
			code: CodeInvalidIdentityToken, msg: msgThumbprint, expl: thumbprint(ca)},
		{name: "untrusted and no thumbprints", cert: chain, roots: empty,
			code: CodeInvalidIdentityToken, msg: msgThumbprint, expl: "no thumbprints"},
		{name: "pinned but the leaf names another host", cert: wrongHost, roots: empty, thumbprints: []string{thumbprint(ca)},
			code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "IP SANs"},
		{name: "trusted root but the leaf names another host", cert: wrongHost, roots: caPool,
			code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "not acceptable"},
		// AWS pins the top certificate the server presents; a server that
		// sends only its leaf is pinned by the leaf's thumbprint.
		{name: "server sends only the leaf: its thumbprint is the top", cert: leafOnly, roots: empty, thumbprints: []string{thumbprint(leafCert)}},
		{name: "server sends only the leaf: CA thumbprint cannot match", cert: leafOnly, roots: empty, thumbprints: []string{thumbprint(ca)},
			code: CodeInvalidIdentityToken, msg: msgThumbprint, expl: thumbprint(leafCert)},
		{name: "CA bundle trusts the private CA", cert: chain, roots: empty, bundle: pemOf(ca)},
		{name: "CA bundle of another CA", cert: chain, roots: empty, bundle: pemOf(otherCA),
			code: CodeInvalidIdentityToken, msg: msgThumbprint, expl: "CA bundle"},
		{name: "CA bundle of another CA, pinned", cert: chain, roots: empty, bundle: pemOf(otherCA), thumbprints: []string{thumbprint(ca)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ti := newIssuerWithCert(t, tt.cert)
			v := NewVerifier(Options{Now: newClock(epoch).Now, RootCAs: tt.roots})
			p := ti.provider()
			p.Thumbprints, p.CABundle = tt.thumbprints, tt.bundle
			_, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantErr(t, err, tt.code, tt.msg, tt.expl)
		})
	}
}

// TestSelfSignedLeafPinned: a bare self-signed certificate (as httptest and
// many test issuers serve) is accepted when its own thumbprint is pinned.
func TestSelfSignedLeafPinned(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v := NewVerifier(Options{Now: newClock(epoch).Now, RootCAs: x509.NewCertPool()})
	p := ti.provider()
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)
	_, err := v.Verify(bg(), p, tok)
	wantErr(t, err, CodeInvalidIdentityToken, msgThumbprint, "")

	p.Thumbprints = []string{thumbprint(ti.srv.Certificate())}
	if _, err := v.Verify(bg(), p, tok); err != nil {
		t.Fatalf("pinned self-signed issuer: %v", err)
	}
}

// TestTrustConfigsAreSeparate: two providers for the same issuer URL with
// different trust settings get separate key caches, so one account's pin
// cannot vouch for keys another account relies on.
func TestTrustConfigsAreSeparate(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v := NewVerifier(Options{Now: newClock(epoch).Now, RootCAs: x509.NewCertPool()})
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)

	pinned := ti.provider()
	pinned.Thumbprints = []string{thumbprint(ti.srv.Certificate())}
	if _, err := v.Verify(bg(), pinned, tok); err != nil {
		t.Fatal(err)
	}
	unpinned := ti.provider()
	_, err := v.Verify(bg(), unpinned, tok)
	wantErr(t, err, CodeInvalidIdentityToken, msgThumbprint, "")
	if n := len(v.issuers[ti.host]); n != 2 {
		t.Fatalf("issuer states = %d, want 2", n)
	}
}

func TestTrustConfigsPerIssuerAreBounded(t *testing.T) {
	v := NewVerifier(Options{})
	for i := range 20 {
		p := &Provider{URL: "oidc.example", Thumbprints: []string{fmt.Sprintf("%040x", i)}}
		if _, err := v.state(p); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.issuers["oidc.example"]); n != maxTrustConfigsPerIssuer {
		t.Fatalf("states = %d, want %d", n, maxTrustConfigsPerIssuer)
	}
}
