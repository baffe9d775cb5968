package oidc

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

func TestVerifyAcceptsValidTokens(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, _ := newTestVerifier(ti, nil)
	p := ti.provider()

	tags := map[string]any{
		"principal_tags":      map[string]any{"Project": []string{"Automation"}, "CostCenter": "987654"},
		"transitive_tag_keys": []string{"Project"},
	}
	k8s := map[string]any{
		"namespace":      "default",
		"pod":            map[string]any{"name": "app-6d4cf56db6-x2x7q", "uid": "0d8b6a3c-7e5c-4c1a-9f1d-5a3f2b1c0e9d"},
		"serviceaccount": map[string]any{"name": "app", "uid": "b3a1f1e2-1111-2222-3333-444455556666"},
		"node":           map[string]any{"name": "node-1", "uid": "c1c1c1c1-0000-0000-0000-000000000000"},
		"warnafter":      epoch.Add(30 * time.Minute).Unix(),
	}
	with := func(mod func(m map[string]any)) map[string]any {
		m := claimsFor(ti.url)
		mod(m)
		return m
	}
	tests := []struct {
		name   string
		token  string
		check  func(t *testing.T, c *Claims)
		wantAu string
	}{
		{"RS256", sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"RS384", sign(t, k.rsa, jose.RS384, "rsa1", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"RS512", sign(t, k.rsa, jose.RS512, "rsa1", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"ES256", sign(t, k.p256, jose.ES256, "ec256", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"ES384", sign(t, k.p384, jose.ES384, "ec384", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"ES512", sign(t, k.p521, jose.ES512, "ec521", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"no kid tries compatible keys", sign(t, k.p384, jose.ES384, "", claimsFor(ti.url), nil), nil, "sts.amazonaws.com"},
		{"aud as string", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["aud"] = "sts.amazonaws.com" }), nil), nil, "sts.amazonaws.com"},
		{"second aud matches", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["aud"] = []string{"other", "sts.amazonaws.com"} }), nil), nil, "sts.amazonaws.com"},
		{"azp matches (Google style)", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) {
			m["aud"] = "1234.apps.googleusercontent.com"
			m["azp"] = "sts.amazonaws.com"
		}), nil), func(t *testing.T, c *Claims) {
			if c.AZP != "sts.amazonaws.com" {
				t.Errorf("AZP = %q", c.AZP)
			}
		}, "sts.amazonaws.com"},
		{"no nbf or iat", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { delete(m, "nbf"); delete(m, "iat") }), nil), nil, "sts.amazonaws.com"},
		{"iat within skew", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iat"] = epoch.Add(30 * time.Second).Unix() }), nil), nil, "sts.amazonaws.com"},
		{"fractional exp", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = float64(epoch.Add(time.Hour).Unix()) + 0.5 }), nil), func(t *testing.T, c *Claims) {
			if c.Expiry.Nanosecond() != 5e8 {
				t.Errorf("Expiry = %v", c.Expiry)
			}
		}, "sts.amazonaws.com"},
		{"session tags and amr", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) {
			m[TagsClaim] = tags
			m["amr"] = []string{"authenticated", "cognito-idp"}
		}), nil), func(t *testing.T, c *Claims) {
			if c.Tags == nil || len(c.Tags.PrincipalTags) != 2 || c.Tags.PrincipalTags["Project"][0] != "Automation" || c.Tags.PrincipalTags["CostCenter"][0] != "987654" {
				t.Errorf("Tags = %+v", c.Tags)
			}
			if len(c.Tags.TransitiveTagKeys) != 1 || c.Tags.TransitiveTagKeys[0] != "Project" {
				t.Errorf("TransitiveTagKeys = %v", c.Tags.TransitiveTagKeys)
			}
			if len(c.AMR) != 2 {
				t.Errorf("AMR = %v", c.AMR)
			}
		}, "sts.amazonaws.com"},
		{"kubernetes service-account token", sign(t, k.p256, jose.ES256, "ec256", with(func(m map[string]any) {
			m["kubernetes.io"] = k8s
			m["jti"] = "6d1c5b1e-3f9a-4c57-8a57-2a8f4f7a9c11"
		}), nil), func(t *testing.T, c *Claims) {
			kc := c.Kubernetes
			if kc == nil {
				t.Fatal("no Kubernetes claims")
			}
			want := KubernetesClaims{Namespace: "default", ServiceAccountName: "app", ServiceAccountUID: "b3a1f1e2-1111-2222-3333-444455556666",
				PodName: "app-6d4cf56db6-x2x7q", PodUID: "0d8b6a3c-7e5c-4c1a-9f1d-5a3f2b1c0e9d", NodeName: "node-1", NodeUID: "c1c1c1c1-0000-0000-0000-000000000000",
				WarnAfter: time.Unix(epoch.Add(30*time.Minute).Unix(), 0)}
			if *kc != want {
				t.Errorf("Kubernetes = %+v, want %+v", *kc, want)
			}
			if c.JWTID == "" || c.KeyID != "ec256" || c.Algorithm != "ES256" {
				t.Errorf("jti/kid/alg = %q %q %q", c.JWTID, c.KeyID, c.Algorithm)
			}
		}, "sts.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(bg(), p, tt.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Issuer != ti.url || c.Subject != "system:serviceaccount:default:app" {
				t.Errorf("iss/sub = %q %q", c.Issuer, c.Subject)
			}
			if c.MatchedAudience != tt.wantAu {
				t.Errorf("MatchedAudience = %q, want %q", c.MatchedAudience, tt.wantAu)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
	if got := ti.discoveryHits.Load(); got != 1 {
		t.Errorf("discovery fetched %d times, want 1", got)
	}
}

// hs256 signs header.payload with HMAC-SHA256 keyed by secret.
func hs256(header, payload string, secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + b64(m.Sum(nil))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestHostileTokens(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, _ := newTestVerifier(ti, nil)
	p := ti.provider()

	good := claimsFor(ti.url)
	with := func(mod func(m map[string]any)) map[string]any {
		m := claimsFor(ti.url)
		mod(m)
		return m
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(k.rsa.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	goodPayload := rawToken("", good, nil)
	goodPayload = strings.Split(goodPayload, ".")[1]
	hsHeader := strings.Split(rawToken(map[string]any{"alg": "HS256", "kid": "rsa1", "typ": "JWT"}, "", nil), ".")[0]
	validRS := sign(t, k.rsa, jose.RS256, "rsa1", good, nil)
	parts := strings.Split(validRS, ".")
	tampered := parts[0] + "." + strings.Split(rawToken("", with(func(m map[string]any) { m["sub"] = "system:serviceaccount:kube-system:admin" }), nil), ".")[1] + "." + parts[2]

	const (
		inv  = CodeInvalidIdentityToken
		exp  = CodeExpiredToken
		val  = CodeValidationError
		anyM = ""
	)
	tests := []struct {
		name  string
		token string
		code  string
		msg   string
		expl  string
	}{
		{"alg none unsigned", rawToken(map[string]any{"alg": "none"}, good, nil), inv, msgInvalid, `alg "none"`},
		{"alg none with kid and signature", rawToken(map[string]any{"alg": "none", "kid": "rsa1"}, good, []byte("sig")), inv, msgInvalid, `alg "none"`},
		{"alg None mixed case", rawToken(map[string]any{"alg": "None"}, good, nil), inv, msgInvalid, "not accepted"},
		{"HS256 keyed with the RSA public key PEM", hs256(hsHeader, goodPayload, pubPEM), inv, msgInvalid, `alg "HS256"`},
		{"HS256 keyed with the RSA public key DER", hs256(hsHeader, goodPayload, pubDER), inv, msgInvalid, `alg "HS256"`},
		{"HS512", sign(t, []byte(strings.Repeat("k", 64)), jose.HS512, "rsa1", good, nil), inv, msgInvalid, "HS512"},
		{"PS256 is not on AWS's list", sign(t, k.rsa, jose.PS256, "rsa1", good, nil), inv, msgInvalid, "PS256"},
		{"EdDSA", rawToken(map[string]any{"alg": "EdDSA", "kid": "rsa1"}, good, make([]byte, 64)), inv, msgInvalid, "EdDSA"},
		{"missing alg", rawToken(map[string]any{"kid": "rsa1"}, good, []byte("x")), inv, anyM, ""},
		{"kid pointing nowhere", sign(t, k.rsa, jose.RS256, "nope", good, nil), inv, msgNoKey, `no key with kid "nope"`},
		{"kid path traversal", sign(t, k.rsa, jose.RS256, "../../../../etc/passwd", good, nil), inv, msgNoKey, `"../../../../etc/passwd"`},
		{"kid SQL injection", sign(t, k.rsa, jose.RS256, "x' UNION SELECT 'key' --", good, nil), inv, msgNoKey, "UNION"},
		{"kid with newlines and NUL", sign(t, k.rsa, jose.RS256, "rsa1\n\r\x00evil", good, nil), inv, msgNoKey, `\n\r\x00evil`},
		{"kid is a URL", sign(t, k.rsa, jose.RS256, "https://attacker.example/jwks.json", good, nil), inv, msgNoKey, "attacker.example"},
		{"kid of 8 KB", sign(t, k.rsa, jose.RS256, strings.Repeat("A", 8<<10), good, nil), inv, msgNoKey, "..."},
		{"kid prefix of a real kid", sign(t, k.rsa, jose.RS256, "rsa", good, nil), inv, msgNoKey, ""},
		{"embedded jwk header with attacker key", sign(t, k.attackerRSA, jose.RS256, "rsa1", good, map[jose.HeaderKey]any{"jwk": jose.JSONWebKey{Key: k.attackerRSA.Public()}}), inv, msgInvalid, "signature does not verify"},
		{"jku header pointing at attacker", sign(t, k.attackerRSA, jose.RS256, "rsa1", good, map[jose.HeaderKey]any{"jku": "https://attacker.example/jwks"}), inv, msgInvalid, "signature does not verify"},
		{"signed by attacker under real kid", sign(t, k.attackerRSA, jose.RS256, "rsa1", good, nil), inv, msgInvalid, "signature does not verify"},
		{"signed by attacker, no kid", sign(t, k.attackerP256, jose.ES256, "", good, nil), inv, msgInvalid, "verifies with none"},
		{"tampered payload", tampered, inv, msgInvalid, "signature does not verify"},
		{"signature stripped", parts[0] + "." + parts[1] + ".", inv, anyM, ""},
		{"ES256 token under RSA kid", sign(t, k.p256, jose.ES256, "rsa1", good, nil), inv, msgInvalid, "cannot verify alg ES256"},
		{"RS256 token under EC kid", sign(t, k.rsa, jose.RS256, "ec256", good, nil), inv, msgInvalid, "cannot verify alg RS256"},
		{"ES384 token under P-256 kid", sign(t, k.p384, jose.ES384, "ec256", good, nil), inv, msgInvalid, "cannot verify alg ES384"},
		{"crit header", sign(t, k.rsa, jose.RS256, "rsa1", good, map[jose.HeaderKey]any{"crit": []string{"exp"}, "exp": 1}), inv, msgInvalid, "crit"},
		{"oversized token", "eyJ" + strings.Repeat("A", MaxTokenLength), val, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000", "20003 characters"},
		{"oversized valid-looking token", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["pad"] = strings.Repeat("x", 16000) }), nil), val, anyM, ""},
		{"too short", "a.b", val, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4", ""},
		{"not a JWT", "this is an opaque access token", inv, msgInvalidJWT, ""},
		{"two segments", parts[0] + "." + parts[1], inv, msgInvalidJWT, ""},
		{"JWE five segments", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", inv, msgInvalidJWT, ""},
		{"bad base64 header", "!!!." + parts[1] + "." + parts[2], inv, msgInvalidJWT, ""},
		{"payload is an array", rawToken(map[string]any{"alg": "RS256", "kid": "rsa1"}, []any{1, 2}, []byte("x")), inv, msgInvalidJWT, "JSON object"},
		{"payload with trailing garbage", rawToken(map[string]any{"alg": "RS256", "kid": "rsa1"}, `{"iss":"x"} junk`, []byte("x")), inv, msgInvalidJWT, ""},
		{"wrong issuer scheme", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iss"] = "http://" + ti.host }), nil), inv, msgInvalid, "must use https"},
		{"other issuer", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iss"] = "https://attacker.example" }), nil), inv, msgInvalid, "does not match provider issuer"},
		{"issuer with trailing slash", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iss"] = ti.url + "/" }), nil), inv, msgInvalid, "does not match"},
		{"no iss", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { delete(m, "iss") }), nil), inv, msgInvalid, "does not match"},
		{"iss not a string", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iss"] = []string{ti.url} }), nil), inv, msgInvalid, ""},
		{"expired", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = epoch.Add(-time.Second).Unix() }), nil), exp,
			fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time%d", epoch.Unix(), epoch.Add(-time.Second).Unix()), "expired at"},
		{"expires exactly now", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = epoch.Unix() }), nil), exp, anyM, ""},
		{"no exp", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { delete(m, "exp") }), nil), inv, msgInvalid, "no exp"},
		{"exp is a string", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = "tomorrow" }), nil), inv, msgInvalid, "not a number"},
		{"exp is huge", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = 1e300 }), nil), inv, msgInvalid, "out of range"},
		{"exp is negative", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["exp"] = -5 }), nil), inv, msgInvalid, "out of range"},
		{"nbf in the future", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["nbf"] = epoch.Add(10 * time.Minute).Unix() }), nil), inv, msgInvalid, "not valid before"},
		{"iat in the future", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["iat"] = epoch.Add(10 * time.Minute).Unix() }), nil), inv, msgInvalid, "issued in the future"},
		{"no sub", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { delete(m, "sub") }), nil), inv, msgInvalid, "no sub"},
		{"empty sub", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["sub"] = "" }), nil), inv, msgInvalid, "sub claim is empty"},
		{"wrong audience", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["aud"] = "pods.eks.amazonaws.com" }), nil), inv, msgAudience, `"pods.eks.amazonaws.com"`},
		{"no aud", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { delete(m, "aud") }), nil), inv, msgInvalid, "no aud"},
		{"aud list with a number", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["aud"] = []any{"sts.amazonaws.com", 7} }), nil), inv, msgInvalid, "aud claim"},
		{"wrong azp does not help", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m["aud"] = "x"; m["azp"] = "y" }), nil), inv, msgAudience, ""},
		{"malformed tags claim", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m[TagsClaim] = map[string]any{"principal_tags": map[string]any{"a": 1}} }), nil), inv, msgInvalid, "principal_tags"},
		{"malformed kubernetes claim", sign(t, k.rsa, jose.RS256, "rsa1", with(func(m map[string]any) { m[KubernetesClaim] = "default" }), nil), inv, msgInvalid, "kubernetes.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(bg(), p, tt.token)
			ae := wantErr(t, err, tt.code, tt.msg, tt.expl)
			assertNoTokenLeak(t, tt.token, ae.Error(), ae.Explanation)
		})
	}
}

// assertNoTokenLeak fails if any text contains the token or any of its
// signature or payload segments.
func assertNoTokenLeak(t *testing.T, token string, texts ...string) {
	t.Helper()
	segs := strings.Split(token, ".")
	for _, s := range texts {
		if len(token) >= 16 && strings.Contains(s, token) {
			t.Fatalf("text contains the token: %.200s", s)
		}
		for _, seg := range segs[1:] {
			if len(seg) >= 16 && strings.Contains(s, seg) {
				t.Fatalf("text contains a token segment: %.200s", s)
			}
		}
	}
}

func TestDuplicateKidsInJWKS(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	ti.setJWKS(jwksOf(
		jwk(t, k.rsa.Public(), "dup", ""),
		jwk(t, k.attackerRSA.Public(), "dup", ""),
		jwk(t, k.rsa2.Public(), "same", ""),
		jwk(t, k.rsa2.Public(), "same", ""),
		jwk(t, k.p256.Public(), "ec256", ""),
	))
	v, _ := newTestVerifier(ti, nil)
	p := ti.provider()
	for _, key := range []any{k.rsa, k.attackerRSA} {
		_, err := v.Verify(bg(), p, sign(t, key, jose.RS256, "dup", claimsFor(ti.url), nil))
		wantErr(t, err, CodeInvalidIdentityToken, msgNoKey, "more than one key")
	}
	// An identical key listed twice is not ambiguous, and other kids
	// still work.
	if _, err := v.Verify(bg(), p, sign(t, k.rsa2, jose.RS256, "same", claimsFor(ti.url), nil)); err != nil {
		t.Fatalf("duplicate identical key: %v", err)
	}
	if _, err := v.Verify(bg(), p, sign(t, k.p256, jose.ES256, "ec256", claimsFor(ti.url), nil)); err != nil {
		t.Fatalf("other kid: %v", err)
	}
}

func TestPeekIssuer(t *testing.T) {
	k := getKeys()
	tests := []struct {
		name, token, want, code string
	}{
		{"valid", sign(t, k.rsa, jose.RS256, "a", map[string]any{"iss": "https://oidc.example/id/X"}, nil), "https://oidc.example/id/X", ""},
		{"unsigned still peeks", rawToken(map[string]any{"alg": "none"}, map[string]any{"iss": "https://x"}, nil), "https://x", ""},
		{"padded payload", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL3h5In0=.", "https://xy", ""},
		{"exact member name", rawToken(map[string]any{"alg": "none"}, map[string]any{"ISS": "https://x"}, nil), "", CodeInvalidIdentityToken},
		{"no iss", rawToken(map[string]any{"alg": "none"}, map[string]any{"sub": "x"}, nil), "", CodeInvalidIdentityToken},
		{"iss number", rawToken(map[string]any{"alg": "none"}, map[string]any{"iss": 5}, nil), "", CodeInvalidIdentityToken},
		{"empty iss", rawToken(map[string]any{"alg": "none"}, map[string]any{"iss": ""}, nil), "", CodeInvalidIdentityToken},
		{"not JSON", rawToken(map[string]any{"alg": "none"}, "iss", nil), "", CodeInvalidIdentityToken},
		{"one segment", "abcdefgh", "", CodeInvalidIdentityToken},
		{"four segments", "a.b.c.d", "", CodeInvalidIdentityToken},
		{"bad base64", "a.!!!!.c", "", CodeInvalidIdentityToken},
		{"too long", strings.Repeat("a", MaxTokenLength+1), "", CodeValidationError},
		{"too short", "a.b", "", CodeValidationError},
		{"multi-byte within the character limit", "a." + strings.Repeat("é", MaxTokenLength/2) + ".c", "", CodeInvalidIdentityToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PeekIssuer(tt.token)
			if tt.code != "" {
				wantErr(t, err, tt.code, "", "")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("PeekIssuer = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestProviderURL(t *testing.T) {
	tests := []struct {
		iss, want string
		ok        bool
	}{
		{"https://oidc.eks.us-west-2.amazonaws.com/id/ABC", "oidc.eks.us-west-2.amazonaws.com/id/ABC", true},
		{"https://127.0.0.1:6443", "127.0.0.1:6443", true},
		{"http://oidc.example", "", false},
		{"https://", "", false},
		{"https:///path", "", false},
		{"oidc.example", "", false},
	}
	for _, tt := range tests {
		got, ok := ProviderURL(tt.iss)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ProviderURL(%q) = %q, %v; want %q, %v", tt.iss, got, ok, tt.want, tt.ok)
		}
	}
}

func TestProviderValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Provider
		ok   bool
	}{
		{"minimal", Provider{URL: "oidc.example"}, true},
		{"with path and thumbprint", Provider{URL: "oidc.example/id/X", Thumbprints: []string{strings.Repeat("aB", 20)}}, true},
		{"scheme", Provider{URL: "https://oidc.example"}, false},
		{"query", Provider{URL: "oidc.example?x=1"}, false},
		{"empty", Provider{}, false},
		{"short thumbprint", Provider{URL: "oidc.example", Thumbprints: []string{"abc"}}, false},
		{"bad CA bundle", Provider{URL: "oidc.example", CABundle: []byte("not pem")}, false},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	v := NewVerifier(Options{})
	if _, err := v.Verify(bg(), &Provider{URL: "https://x"}, "a.b.c.d"); err == nil {
		t.Fatal("Verify accepted an invalid provider")
	}
}

func TestTokenCache(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, clk := newTestVerifier(ti, nil)
	p := ti.provider()
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)

	c1, err := v.Verify(bg(), p, tok)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := v.Verify(bg(), p, tok)
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Stats(); st.TokenCacheHits != 1 || st.TokenCacheMisses != 1 {
		t.Fatalf("stats = %+v, want 1 hit 1 miss", st)
	}
	if c1 == c2 || c1.Subject != c2.Subject || c2.MatchedAudience != "sts.amazonaws.com" {
		t.Fatalf("cached claims differ or are shared: %p %p", c1, c2)
	}

	// Audience is rechecked against the calling provider on a hit.
	other := *p
	other.ClientIDs = []string{"pods.eks.amazonaws.com"}
	_, err = v.Verify(bg(), &other, tok)
	wantErr(t, err, CodeInvalidIdentityToken, msgAudience, "")

	// A token rejected for its audience is not re-verified on retry.
	wrongAud := claimsFor(ti.url)
	wrongAud["aud"] = "someone-else"
	wt := sign(t, k.rsa, jose.RS256, "rsa1", wrongAud, nil)
	before := v.Stats().TokenCacheHits
	for range 3 {
		_, err = v.Verify(bg(), p, wt)
		wantErr(t, err, CodeInvalidIdentityToken, msgAudience, "")
	}
	if got := v.Stats().TokenCacheHits - before; got != 2 {
		t.Fatalf("wrong-audience retries hit the cache %d times, want 2", got)
	}

	// Expiry is rechecked on a hit.
	clk.Add(2 * time.Hour)
	ti.setJWKS(defaultJWKS(t))
	_, err = v.Verify(bg(), p, tok)
	wantErr(t, err, CodeExpiredToken, "", "")
}

func TestTokenCacheRevalidatesRemovedKey(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, clk := newTestVerifier(ti, nil)
	p := ti.provider()
	claims := claimsFor(ti.url)
	claims["exp"] = epoch.Add(10 * time.Hour).Unix()
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claims, nil)
	if _, err := v.Verify(bg(), p, tok); err != nil {
		t.Fatal(err)
	}
	// The issuer rotates rsa1 out; after KeyTTL the cached verification
	// must not outlive the key.
	ti.setJWKS(jwksOf(jwk(t, k.rsa2.Public(), "rsa2", "")))
	clk.Add(61 * time.Minute)
	_, err := v.Verify(bg(), p, tok)
	wantErr(t, err, CodeInvalidIdentityToken, msgNoKey, `"rsa1"`)
}

func TestTokenCacheBounded(t *testing.T) {
	c := newTokenCache(32)
	exp := epoch.Add(time.Hour)
	for i := range 1000 {
		c.put(sha256.Sum256([]byte(fmt.Sprint(i))), &tokenEntry{exp: exp})
	}
	if n := c.len(); n > 32+tokenShards {
		t.Fatalf("cache holds %d entries, bound is about 32", n)
	}
	last := sha256.Sum256([]byte("999"))
	if c.get(last, epoch) == nil {
		t.Fatal("most recent entry evicted")
	}
	if c.get(last, exp) != nil {
		t.Fatal("entry returned at its exp")
	}
	if c.get(last, epoch) != nil {
		t.Fatal("expired entry not removed")
	}
	if v := NewVerifier(Options{TokenCacheSize: -1}); v.tokens != nil {
		t.Fatal("negative TokenCacheSize did not disable the cache")
	}
}

func TestConcurrentFirstUseFetchesOnce(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	release := make(chan struct{})
	ti.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		<-release
		return false
	})
	v, _ := newTestVerifier(ti, nil)
	p := ti.provider()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := claimsFor(ti.url)
			c["jti"] = fmt.Sprint(i)
			_, err := v.Verify(bg(), p, sign(t, k.p256, jose.ES256, "ec256", c, nil))
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them pile up on the fetch
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if d, j := ti.discoveryHits.Load(), ti.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("upstream hits discovery=%d jwks=%d, want 1 and 1", d, j)
	}
}

func TestVerifyWith(t *testing.T) {
	k := getKeys()
	ti := newIssuer(t)
	v, _ := newTestVerifier(ti, nil)
	p := ti.provider()
	tok := sign(t, k.rsa, jose.RS256, "rsa1", claimsFor(ti.url), nil)
	var asked []string
	lookup := func(iss string) (*Provider, error) {
		asked = append(asked, iss)
		if u, ok := ProviderURL(iss); ok && u == p.URL {
			return p, nil
		}
		return nil, apierror.New(CodeInvalidIdentityToken, 400, "No OpenIDConnect provider found in your account for %s", iss)
	}
	for i := range 2 { // miss, then cache hit
		c, err := v.VerifyWith(bg(), tok, lookup)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if c.MatchedAudience != "sts.amazonaws.com" {
			t.Fatalf("MatchedAudience = %q", c.MatchedAudience)
		}
	}
	if len(asked) != 2 || asked[0] != ti.url || asked[1] != ti.url {
		t.Fatalf("lookup asked %q", asked)
	}
	if st := v.Stats(); st.TokenCacheHits != 1 {
		t.Fatalf("stats = %+v", st)
	}

	other := sign(t, k.rsa, jose.RS256, "rsa1", map[string]any{"iss": "https://unknown.example", "sub": "x", "aud": "sts.amazonaws.com", "exp": epoch.Add(time.Hour).Unix()}, nil)
	_, err := v.VerifyWith(bg(), other, lookup)
	wantErrNoExpl(t, err, CodeInvalidIdentityToken, "No OpenIDConnect provider found in your account for https://unknown.example")

	_, err = v.VerifyWith(bg(), "not-a-jwt", lookup)
	wantErr(t, err, CodeInvalidIdentityToken, msgInvalidJWT, "")

	_, err = v.VerifyWith(bg(), tok, func(string) (*Provider, error) { return nil, nil })
	if _, ok := apierror.As(err); err == nil || ok {
		t.Fatalf("nil provider: got %v, want a plain error", err)
	}
}

func wantErrNoExpl(t *testing.T, err error, code, msg string) {
	t.Helper()
	ae, ok := apierror.As(err)
	if !ok || ae.Code != code || ae.Message != msg {
		t.Fatalf("got %v, want %s: %s", err, code, msg)
	}
}
