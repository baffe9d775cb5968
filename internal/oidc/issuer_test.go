package oidc

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// TestIssuerMisbehaviour runs each way an issuer can fail against a fresh
// verifier and checks the STS error. None may hang or crash: slow answers
// are bounded by FetchTimeout and large ones by the size limits.
func TestIssuerMisbehaviour(t *testing.T) {
	k := getKeys()
	big := func(w http.ResponseWriter, withLength bool) {
		const size = 10 << 20
		if withLength {
			w.Header().Set("Content-Length", fmt.Sprint(size))
		}
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for written := 0; written < size; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}
	tests := []struct {
		name     string
		override func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool
		mod      func(ti *testIssuer)
		code     string
		msg      string
		expl     string
		slow     bool // the case waits for FetchTimeout
	}{
		{name: "discovery 404", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				http.NotFound(w, r)
				return true
			}
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "HTTP 404"},
		{name: "discovery 503", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
		}, code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "HTTP 503"},
		{name: "discovery redirects to another host", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/.well-known/openid-configuration" {
					_, port, _ := net.SplitHostPort(ti.host)
					http.Redirect(w, r, "https://localhost:"+port+"/.well-known/openid-configuration", http.StatusFound)
					return true
				}
				return false
			}
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "refused redirect"},
		{name: "discovery redirects to http", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/.well-known/openid-configuration" {
					http.Redirect(w, r, "http://"+ti.host+"/.well-known/openid-configuration", http.StatusMovedPermanently)
					return true
				}
				return false
			}
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "refused redirect"},
		{name: "redirect loop on the same host", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				http.Redirect(w, r, "/loop"+fmt.Sprint(time.Now().UnixNano()), http.StatusFound)
				return true
			}
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "more than 3 redirects"},
		{name: "discovery answers slowly", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				slow(w, r)
				return true
			}
		}, code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "timed out", slow: true},
		{name: "JWKS drips its body slowly", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != ti.jwksAt {
					return false
				}
				_, _ = w.Write([]byte(`{"keys":[`))
				w.(http.Flusher).Flush()
				slow(w, r)
				return true
			}
		}, code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "timed out", slow: true},
		{name: "discovery of 10 MB with Content-Length", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				big(w, true)
				return true
			}
		}, code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "the limit is"},
		{name: "JWKS of 10 MB chunked", override: func(ti *testIssuer) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != ti.jwksAt {
					return false
				}
				big(w, false)
				return true
			}
		}, code: CodeIDPCommunicationError, msg: msgIDPComm, expl: "larger than the limit"},
		{name: "discovery issuer mismatch", mod: func(ti *testIssuer) {
			ti.setDiscovery(discoveryDoc("https://attacker.example", ti.url+ti.jwksAt))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "does not match"},
		{name: "discovery without jwks_uri", mod: func(ti *testIssuer) {
			ti.setDiscovery([]byte(`{"issuer":"` + ti.url + `"}`))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "no jwks_uri"},
		{name: "jwks_uri over http", mod: func(ti *testIssuer) {
			ti.setDiscovery(discoveryDoc(ti.url, "http://"+ti.host+ti.jwksAt))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "not an absolute https URL"},
		{name: "discovery is not JSON", mod: func(ti *testIssuer) {
			ti.setDiscovery([]byte(`<html>hello</html>`))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "not a JSON object"},
		{name: "JWKS is not JSON", mod: func(ti *testIssuer) {
			ti.setJWKS([]byte(`not json`))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "JWKS is not a JSON object"},
		{name: "JWKS has no keys", mod: func(ti *testIssuer) {
			ti.setJWKS([]byte(`{"keys":[]}`))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "no usable signing key"},
		{name: "JWKS only has an HMAC key", mod: func(ti *testIssuer) {
			ti.setJWKS([]byte(`{"keys":[{"kty":"oct","kid":"rsa1","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "no usable signing key"},
		{name: "JWKS only has a 1024-bit RSA key", mod: func(ti *testIssuer) {
			ti.setJWKS(jwksOf(jwk(t, k.rsaWeak.Public(), "rsa1", "")))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "no usable signing key"},
		{name: "JWKS key marked for encryption", mod: func(ti *testIssuer) {
			b, _ := json.Marshal(jose.JSONWebKey{Key: k.rsa.Public(), KeyID: "rsa1", Use: "enc"})
			ti.setJWKS(jwksOf(b))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "no usable signing key"},
		{name: "JWKS key restricted to another alg", mod: func(ti *testIssuer) {
			ti.setJWKS(jwksOf(jwk(t, k.rsa.Public(), "rsa1", "RS512")))
		}, code: CodeInvalidIdentityToken, msg: msgInvalid, expl: "cannot verify alg RS256"},
		{name: "JWKS with too many keys", mod: func(ti *testIssuer) {
			var ks []json.RawMessage
			for i := range 101 {
				ks = append(ks, jwk(t, k.p256.Public(), fmt.Sprint(i), ""))
			}
			ti.setJWKS(jwksOf(ks...))
		}, code: CodeInvalidIdentityToken, msg: msgNoKey, expl: "at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ti := newIssuer(t)
			if tt.override != nil {
				ti.setOverride(tt.override(ti))
			}
			if tt.mod != nil {
				tt.mod(ti)
			}
			timeout := 10 * time.Second
			if tt.slow {
				timeout = 300 * time.Millisecond
			}
			v, _ := newTestVerifier(ti, func(o *Options) { o.FetchTimeout = timeout })
			tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)
			_, err := v.Verify(bg(), ti.provider(), tok)
			ae := wantErr(t, err, tt.code, tt.msg, tt.expl)
			assertNoTokenLeak(t, tok, ae.Error(), ae.Explanation)
			if st := v.Stats(); tt.msg != msgInvalid && st.FetchErrors != 1 {
				t.Errorf("stats = %+v, want one fetch error", st)
			}
		})
	}
}

func TestSameHostRedirectIsFollowed(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/.well-known/openid-configuration" {
			http.Redirect(w, r, "/moved/openid-configuration", http.StatusFound)
			return true
		}
		if r.URL.Path == "/moved/openid-configuration" {
			r.URL.Path = "/.well-known/openid-configuration"
		}
		return false
	})
	v, _ := newTestVerifier(ti, nil)
	if _, err := v.Verify(bg(), ti.provider(), sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)); err != nil {
		t.Fatal(err)
	}
}

func TestIssuerUnreachable(t *testing.T) {
	k := getKeys()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	v := NewVerifier(Options{Now: newClock(epoch).Now, FetchTimeout: time.Second})
	p := &Provider{URL: host, ClientIDs: []string{"sts.amazonaws.com"}}
	_, err = v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor("https://"+host), nil))
	wantErr(t, err, CodeIDPCommunicationError, msgIDPComm, "connection refused")
}

// TestSilentIssuer: a host that accepts TCP connections but never speaks
// TLS is bounded by FetchTimeout.
func TestSilentIssuer(t *testing.T) {
	k := getKeys()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	host := l.Addr().String()
	v := NewVerifier(Options{Now: newClock(epoch).Now, FetchTimeout: 300 * time.Millisecond})
	p := &Provider{URL: host, ClientIDs: []string{"sts.amazonaws.com"}}
	_, err = v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor("https://"+host), nil))
	wantErr(t, err, CodeIDPCommunicationError, msgIDPComm, "timed out")
}

// TestCallerCancellation: a caller whose context ends stops waiting for a
// slow issuer without failing the shared fetch.
func TestCallerCancellation(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	release := make(chan struct{})
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	})
	v, _ := newTestVerifier(ti, nil)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)
	_, err := v.Verify(ctx, ti.provider(), tok)
	wantErr(t, err, CodeIDPCommunicationError, "", "gave up waiting")
	close(release)
	if _, err := v.Verify(bg(), ti.provider(), tok); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, clk := newTestVerifier(ti, func(o *Options) { o.MinRefetchInterval = 10 * time.Second })
	p := ti.provider()
	if _, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)); err != nil {
		t.Fatal(err)
	}
	if got := ti.jwksHits.Load(); got != 1 {
		t.Fatalf("jwks hits = %d, want 1", got)
	}
	// The first fetch just happened: a bogus kid inside the interval
	// does not refetch.
	bogus := func(i int) string {
		return sign(t, k.rsa, jose.RS256, fmt.Sprintf("bogus-%d", i), claimsFor(ti.url), nil)
	}
	_, err := v.Verify(bg(), p, bogus(0))
	wantErr(t, err, CodeInvalidIdentityToken, msgNoKey, "bogus-0")
	if got := ti.jwksHits.Load(); got != 1 {
		t.Fatalf("jwks hits = %d after a bogus kid inside the interval, want 1", got)
	}
	// After the interval, a flood of 200 bogus kids costs one refetch.
	clk.Add(11 * time.Second)
	for i := range 200 {
		_, err := v.Verify(bg(), p, bogus(i))
		wantErr(t, err, CodeInvalidIdentityToken, msgNoKey, "")
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("jwks hits = %d after a flood, want 2", got)
	}
	// Discovery is not refetched for an unknown kid.
	if got := ti.discoveryHits.Load(); got != 1 {
		t.Fatalf("discovery hits = %d, want 1", got)
	}
	// The good key still works throughout.
	if _, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)); err != nil {
		t.Fatal(err)
	}
}

func TestKeyRotation(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, clk := newTestVerifier(ti, nil)
	p := ti.provider()
	if _, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)); err != nil {
		t.Fatal(err)
	}
	// The issuer adds a new key and starts signing with it.
	ti.setJWKS(jwksOf(jwk(t, k.rsa.Public(), "rsa1", ""), jwk(t, k.rsa2.Public(), "rsa2", "")))
	clk.Add(15 * time.Second)
	if _, err := v.Verify(bg(), p, sign(t, k.rsa2, jose.RS256, "rsa2", claimsFor(ti.url), nil)); err != nil {
		t.Fatalf("new kid after rotation: %v", err)
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("jwks hits = %d, want 2", got)
	}
	// Then retires the old one; after KeyTTL the old kid is gone.
	ti.setJWKS(jwksOf(jwk(t, k.rsa2.Public(), "rsa2", "")))
	clk.Add(time.Hour)
	_, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil))
	wantErr(t, err, CodeInvalidIdentityToken, msgNoKey, `"rsa1"`)
}

func TestStaleKeysDuringOutage(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, clk := newTestVerifier(ti, nil)
	p := ti.provider()
	mint := func() string {
		c := claimsFor(ti.url)
		now := clk.Now()
		c["iat"], c["nbf"], c["exp"] = now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
		return sign(t, k.rsa, jose.RS256, "rsa1", c, nil)
	}
	if _, err := v.Verify(bg(), p, mint()); err != nil {
		t.Fatal(err)
	}
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusBadGateway)
		return true
	})
	// Past KeyTTL the refresh fails, but keys within MaxStale still serve.
	clk.Add(2 * time.Hour)
	if _, err := v.Verify(bg(), p, mint()); err != nil {
		t.Fatalf("stale keys not used during outage: %v", err)
	}
	hits := ti.jwksHits.Load()
	// Failed refreshes are rate-limited too.
	for range 20 {
		if _, err := v.Verify(bg(), p, mint()); err != nil {
			t.Fatal(err)
		}
	}
	if got := ti.jwksHits.Load(); got != hits {
		t.Fatalf("jwks hits went from %d to %d during rate-limited outage", hits, got)
	}
	// Beyond MaxStale the outage shows.
	clk.Add(24 * time.Hour)
	_, err := v.Verify(bg(), p, mint())
	wantErr(t, err, CodeIDPCommunicationError, msgIDPComm, "HTTP 502")
	// Recovery.
	ti.setOverride(nil)
	clk.Add(time.Minute)
	if _, err := v.Verify(bg(), p, mint()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestFailedFirstFetchIsRemembered(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusInternalServerError)
		return true
	})
	v, clk := newTestVerifier(ti, nil)
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)
	for range 50 {
		_, err := v.Verify(bg(), ti.provider(), tok)
		wantErr(t, err, CodeIDPCommunicationError, msgIDPComm, "HTTP 500")
	}
	if got := ti.discoveryHits.Load(); got != 1 {
		t.Fatalf("discovery hits = %d, want 1 (failures are rate-limited)", got)
	}
	ti.setOverride(nil)
	clk.Add(11 * time.Second)
	if _, err := v.Verify(bg(), ti.provider(), tok); err != nil {
		t.Fatal(err)
	}
}

func TestJWKSOnAnotherHost(t *testing.T) {
	k := getKeys()
	keysHost := newIssuer(t)
	ti := newIssuer(t)
	ti.setDiscovery(discoveryDoc(ti.url, keysHost.url+keysHost.jwksAt))
	roots := x509.NewCertPool()
	roots.AddCert(ti.srv.Certificate())
	roots.AddCert(keysHost.srv.Certificate())
	v := NewVerifier(Options{Now: newClock(epoch).Now, RootCAs: roots})
	if _, err := v.Verify(bg(), ti.provider(), sign(t, k.p256, jose.ES256, "ec256", claimsFor(ti.url), nil)); err != nil {
		t.Fatal(err)
	}
	if ti.jwksHits.Load() != 0 || keysHost.jwksHits.Load() != 1 {
		t.Fatalf("JWKS fetched from the wrong host: issuer %d, keys host %d", ti.jwksHits.Load(), keysHost.jwksHits.Load())
	}
}

func TestIssuerWithPath(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	// Serve an issuer at /id/ABC, as EKS does.
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/id/ABC/.well-known/openid-configuration" {
			_, _ = w.Write(discoveryDoc(ti.url+"/id/ABC", ti.url+"/id/ABC/keys"))
			return true
		}
		if r.URL.Path == "/id/ABC/keys" {
			_, _ = w.Write(defaultJWKS(t))
			return true
		}
		return false
	})
	v, _ := newTestVerifier(ti, nil)
	p := &Provider{URL: ti.host + "/id/ABC", ClientIDs: []string{"sts.amazonaws.com"}}
	if _, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url+"/id/ABC"), nil)); err != nil {
		t.Fatal(err)
	}
	// A token of the bare host is not this provider's.
	_, err := v.Verify(bg(), p, sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil))
	wantErr(t, err, CodeInvalidIdentityToken, msgInvalid, "does not match")
}
