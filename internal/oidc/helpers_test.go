package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // thumbprints
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa, rsa2          *rsa.PrivateKey
	rsaWeak            *rsa.PrivateKey
	p256, p384, p521   *ecdsa.PrivateKey
	attackerRSA        *rsa.PrivateKey
	attackerP256       *ecdsa.PrivateKey
	caKey, otherCAKey  *ecdsa.PrivateKey
	leafKey, otherLeaf *ecdsa.PrivateKey
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func getKeys() *testKeys {
	keysOnce.Do(func() {
		keys = testKeys{
			rsa: mustRSA(2048), rsa2: mustRSA(2048), rsaWeak: mustRSA(1024),
			p256: mustEC(elliptic.P256()), p384: mustEC(elliptic.P384()), p521: mustEC(elliptic.P521()),
			attackerRSA: mustRSA(2048), attackerP256: mustEC(elliptic.P256()),
			caKey: mustEC(elliptic.P256()), otherCAKey: mustEC(elliptic.P256()),
			leafKey: mustEC(elliptic.P256()), otherLeaf: mustEC(elliptic.P256()),
		}
	})
	return &keys
}

// jwk renders a public key as a JWK with the given kid (and alg, if set).
func jwk(t testing.TB, pub crypto.PublicKey, kid, alg string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jwksOf(keys ...json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// defaultJWKS publishes the RSA key as "rsa1", the EC keys as "ec256",
// "ec384" and "ec521".
func defaultJWKS(t testing.TB) []byte {
	k := getKeys()
	return jwksOf(
		jwk(t, k.rsa.Public(), "rsa1", ""),
		jwk(t, k.p256.Public(), "ec256", ""),
		jwk(t, k.p384.Public(), "ec384", ""),
		jwk(t, k.p521.Public(), "ec521", ""),
	)
}

// A testIssuer is a real HTTPS issuer on 127.0.0.1 serving discovery and a
// JWKS, with hooks to misbehave and counters of upstream hits.
type testIssuer struct {
	srv    *httptest.Server
	url    string // https://127.0.0.1:PORT
	host   string // 127.0.0.1:PORT
	jwksAt string // path of the JWKS

	mu        sync.Mutex
	jwks      []byte
	discovery []byte
	// override, if set, handles a request instead of the default; return
	// false to fall through to the default.
	override func(w http.ResponseWriter, r *http.Request) bool

	discoveryHits, jwksHits atomic.Int64
}

// newIssuer starts a TLS issuer with httptest's self-signed certificate.
func newIssuer(t testing.TB) *testIssuer {
	t.Helper()
	ti := &testIssuer{jwksAt: "/openid/v1/jwks"}
	ti.srv = httptest.NewUnstartedServer(http.HandlerFunc(ti.serve))
	ti.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	ti.srv.StartTLS()
	t.Cleanup(ti.srv.Close)
	ti.init(t)
	return ti
}

// newIssuerWithCert starts a TLS issuer presenting the given chain.
func newIssuerWithCert(t testing.TB, cert tls.Certificate) *testIssuer {
	t.Helper()
	ti := &testIssuer{jwksAt: "/openid/v1/jwks"}
	ti.srv = httptest.NewUnstartedServer(http.HandlerFunc(ti.serve))
	ti.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	ti.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ti.srv.StartTLS()
	t.Cleanup(ti.srv.Close)
	ti.init(t)
	return ti
}

func (ti *testIssuer) init(t testing.TB) {
	ti.url = ti.srv.URL
	ti.host = strings.TrimPrefix(ti.srv.URL, "https://")
	ti.discovery = discoveryDoc(ti.url, ti.url+ti.jwksAt)
	ti.jwks = defaultJWKS(t)
}

func discoveryDoc(issuer, jwksURI string) []byte {
	b, _ := json.Marshal(map[string]any{
		"issuer": issuer, "jwks_uri": jwksURI,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
	})
	return b
}

func (ti *testIssuer) setJWKS(b []byte) {
	ti.mu.Lock()
	ti.jwks = b
	ti.mu.Unlock()
}

func (ti *testIssuer) setDiscovery(b []byte) {
	ti.mu.Lock()
	ti.discovery = b
	ti.mu.Unlock()
}

func (ti *testIssuer) setOverride(f func(w http.ResponseWriter, r *http.Request) bool) {
	ti.mu.Lock()
	ti.override = f
	ti.mu.Unlock()
}

func (ti *testIssuer) serve(w http.ResponseWriter, r *http.Request) {
	ti.mu.Lock()
	ov, disc, jwks := ti.override, ti.discovery, ti.jwks
	ti.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		ti.discoveryHits.Add(1)
	case ti.jwksAt:
		ti.jwksHits.Add(1)
	}
	if ov != nil && ov(w, r) {
		return
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(disc)
	case ti.jwksAt:
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	default:
		http.NotFound(w, r)
	}
}

// provider returns a Provider for the issuer accepting sts.amazonaws.com.
func (ti *testIssuer) provider() *Provider {
	return &Provider{URL: ti.host, ARN: "arn:aws:iam::123456789012:oidc-provider/" + ti.host, ClientIDs: []string{"sts.amazonaws.com"}}
}

// rootsFor trusts the issuer's own certificate, as if it were publicly
// trusted.
func rootsFor(ti *testIssuer) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ti.srv.Certificate())
	return p
}

// A fakeClock is a settable clock for Options.Now.
type fakeClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time                  { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Add(d time.Duration)             { c.ns.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)                 { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) After(d time.Duration) time.Time { return c.Now().Add(d) }

// epoch is the fixed "now" of most tests.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestVerifier returns a verifier trusting ti's certificate, on a fake
// clock at epoch.
func newTestVerifier(ti *testIssuer, mod func(*Options)) (*Verifier, *fakeClock) {
	clk := newClock(epoch)
	o := Options{Now: clk.Now, RootCAs: rootsFor(ti), FetchTimeout: 2 * time.Second}
	if mod != nil {
		mod(&o)
	}
	return NewVerifier(o), clk
}

// claimsFor returns standard IRSA claims for ti at epoch.
func claimsFor(iss string) map[string]any {
	return map[string]any{
		"iss": iss,
		"sub": "system:serviceaccount:default:app",
		"aud": []string{"sts.amazonaws.com"},
		"exp": epoch.Add(time.Hour).Unix(),
		"iat": epoch.Add(-time.Minute).Unix(),
		"nbf": epoch.Add(-time.Minute).Unix(),
	}
}

// sign signs claims with key under alg, with the given kid (omitted if
// empty) and extra protected headers.
func sign(t testing.TB, key any, alg jose.SignatureAlgorithm, kid string, claims map[string]any, extra map[jose.HeaderKey]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range extra {
		opts.WithHeader(k, v)
	}
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	s, err := jose.NewSigner(sk, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawToken assembles a token from a header, a payload and a signature
// without any library, for hostile shapes.
func rawToken(header, payload any, sig []byte) string {
	enc := func(v any) string {
		var b []byte
		switch t := v.(type) {
		case string:
			b = []byte(t)
		case []byte:
			b = t
		default:
			b, _ = json.Marshal(t)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(payload) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func thumbprint(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw) //nolint:gosec // AWS thumbprints
	return hex.EncodeToString(s[:])
}

// certChain builds a CA and a leaf for the given hosts signed by it.
func certChain(t testing.TB, caKey, leafKey *ecdsa.PrivateKey, caName string, hosts ...string) (ca *x509.Certificate, leaf tls.Certificate) {
	t.Helper()
	now := time.Now()
	caT := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: caName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	lt := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "issuer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			lt.IPAddresses = append(lt.IPAddresses, ip)
		} else {
			lt.DNSNames = append(lt.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, lt, ca, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf = tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}
	return ca, leaf
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// wantErr asserts err is an *apierror.Error with code and, if non-empty, a
// message equal to msg and an explanation containing expl.
func wantErr(t testing.TB, err error, code, msg, expl string) *apierror.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	ae, ok := apierror.As(err)
	if !ok {
		t.Fatalf("got %T %v, want *apierror.Error %s", err, err, code)
	}
	if ae.Code != code {
		t.Fatalf("code = %s (%s; %s), want %s", ae.Code, ae.Message, ae.Explanation, code)
	}
	if msg != "" && ae.Message != msg {
		t.Fatalf("message = %q, want %q (explanation %s)", ae.Message, msg, ae.Explanation)
	}
	if expl != "" && !strings.Contains(ae.Explanation, expl) {
		t.Fatalf("explanation = %q, want it to contain %q", ae.Explanation, expl)
	}
	if ae.Explanation == "" {
		t.Fatalf("error %s has no explanation", ae.Code)
	}
	return ae
}

func bg() context.Context { return context.Background() }
