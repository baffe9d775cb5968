package oidc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// The fuzz targets' seed corpora run in plain `go test`; fuzz them with
//
//	go test ./internal/oidc -run '^$' -fuzz FuzzPeekIssuer -fuzztime 60s
//
// and likewise FuzzVerify, FuzzParseJWKS, FuzzParseDiscovery, FuzzRewrite.

func seedTokens(t testing.TB) []string {
	k := getKeys()
	iss := "https://oidc.example/id/X"
	c := claimsFor(iss)
	c["kubernetes.io"] = map[string]any{"namespace": "ns", "serviceaccount": map[string]any{"name": "sa", "uid": "u"}}
	c[TagsClaim] = map[string]any{"principal_tags": map[string]any{"a": []string{"b"}}, "transitive_tag_keys": []string{"a"}}
	return []string{
		sign(t, k.rsa, jose.RS256, "rsa1", c, nil),
		sign(t, k.p256, jose.ES256, "ec256", c, nil),
		sign(t, k.p256, jose.ES256, "", c, nil),
		rawToken(map[string]any{"alg": "none"}, c, nil),
		rawToken(map[string]any{"alg": "HS256", "kid": "rsa1"}, c, []byte("sig")),
		rawToken(map[string]any{"alg": "RS256", "kid": "rsa1", "crit": []string{"b64"}, "b64": false}, `{"iss":"x"}`, []byte("sig")),
		"eyJhbGciOiJSUzI1NiJ9.e30.",
		"a.b.c",
		"....",
		"eyJ9.eyJ9.eyJ9",
		`{"payload":"e30","signatures":[]}`,
	}
}

func FuzzPeekIssuer(f *testing.F) {
	for _, s := range seedTokens(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iss, err := PeekIssuer(s)
		if err != nil {
			ae, ok := apierror.As(err)
			if !ok || (ae.Code != CodeInvalidIdentityToken && ae.Code != CodeValidationError) {
				t.Fatalf("PeekIssuer error %v is not InvalidIdentityToken or ValidationError", err)
			}
			if len(s) >= 16 && strings.Contains(ae.Explanation+ae.Message, s) {
				t.Fatal("error contains the token")
			}
			return
		}
		if iss == "" {
			t.Fatal("empty issuer without error")
		}
	})
}

func FuzzVerify(f *testing.F) {
	ti := newIssuer(f)
	k := getKeys()
	// One verifier against one live issuer serves every input; its clock
	// is frozen, so bogus kids cannot cause more than one refetch. Seeds
	// use this issuer so inputs reach key selection and the signature and
	// claim checks.
	v, _ := newTestVerifier(ti, func(o *Options) { o.FetchTimeout = 2 * time.Second })
	p := ti.provider()
	c := claimsFor(ti.url)
	c["kubernetes.io"] = map[string]any{"namespace": "ns", "pod": map[string]any{"name": "p", "uid": "u"}, "warnafter": 5}
	c[TagsClaim] = map[string]any{"principal_tags": map[string]any{"a": []string{"b"}}, "transitive_tag_keys": []string{"a"}}
	seeds := append(seedTokens(f),
		sign(f, k.rsa, jose.RS256, "rsa1", c, nil),
		sign(f, k.p384, jose.ES384, "ec384", c, nil),
		sign(f, k.p521, jose.ES512, "", c, nil),
		sign(f, k.rsa, jose.RS512, "bogus", c, nil),
	)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		claims, err := v.Verify(ctx, p, s)
		if err != nil {
			ae, ok := apierror.As(err)
			if !ok {
				t.Fatalf("Verify returned a non-API error: %v", err)
			}
			switch ae.Code {
			case CodeInvalidIdentityToken, CodeExpiredToken, CodeValidationError:
			default:
				t.Fatalf("unexpected code %s: %s", ae.Code, ae.Explanation)
			}
			if len(s) >= 16 && strings.Contains(ae.Explanation+ae.Message, s) {
				t.Fatal("error contains the token")
			}
			return
		}
		if claims.Issuer != ti.url || claims.Subject == "" || claims.MatchedAudience == "" || claims.Expiry.IsZero() {
			t.Fatalf("accepted token with bad claims: %+v", claims)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	k := getKeys()
	f.Add(defaultJWKS(f))
	f.Add(jwksOf(jwk(f, k.rsa.Public(), "a", "RS256"), jwk(f, k.rsa.Public(), "a", "RS256")))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"},{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ks, err := parseJWKS(b, 100, "https://x/jwks")
		if err != nil {
			return
		}
		if len(ks.all) == 0 {
			t.Fatal("key set without keys")
		}
		for kid, k := range ks.byKID {
			if k.kid != kid || ks.ambiguous[kid] {
				t.Fatalf("inconsistent key set for kid %q", kid)
			}
			if k.thumb == "" || k.pub == nil {
				t.Fatal("key without thumbprint or public key")
			}
		}
	})
}

func FuzzParseDiscovery(f *testing.F) {
	f.Add([]byte(discoveryDoc("https://i.example", "https://i.example/keys")), "https://i.example")
	f.Add([]byte(`{"issuer":"https://i.example","jwks_uri":"http://i.example/keys"}`), "https://i.example")
	f.Add([]byte(`{"ISSUER":"https://i.example","jwks_uri":"https://i.example/keys"}`), "https://i.example")
	f.Add([]byte(`{"issuer":"https://i.example","jwks_uri":"https://user:pw@i.example/keys"}`), "https://i.example")
	f.Fuzz(func(t *testing.T, b []byte, issuer string) {
		u, err := parseDiscovery(b, issuer)
		if err != nil {
			return
		}
		if !strings.HasPrefix(u, "https://") {
			t.Fatalf("accepted jwks_uri %q", u)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || m["issuer"] != issuer {
			t.Fatalf("accepted a document whose issuer is not %q", issuer)
		}
	})
}

// FuzzParseClaims reaches the claim decoder directly: through Verify it
// only sees payloads whose signature verified.
func FuzzParseClaims(f *testing.F) {
	c := claimsFor("https://oidc.example")
	c["kubernetes.io"] = map[string]any{"namespace": "ns", "pod": map[string]any{"name": "p", "uid": "u"}, "node": map[string]any{"name": "n"}, "warnafter": 5.5}
	c[TagsClaim] = map[string]any{"principal_tags": map[string]any{"a": []string{"b"}, "c": "d"}, "transitive_tag_keys": []string{"a"}}
	c["amr"] = "mfa"
	b, _ := json.Marshal(c)
	f.Add(b)
	f.Add([]byte(`{"iss":"x","sub":"y","aud":[],"exp":1e400}`))
	f.Add([]byte(`{"iss":"x","sub":"y","aud":"z","exp":-0.5,"nbf":"1"}`))
	f.Add([]byte(`{"iss":"x","sub":"y","aud":"z","exp":1,"kubernetes.io":{"pod":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := decodeJSONObject(b)
		if !ok {
			return
		}
		c, err := parseClaims(m)
		if err != nil {
			return
		}
		if c.Issuer == "" || c.Subject == "" || len(c.Audience) == 0 || c.Expiry.IsZero() && m["exp"] == nil {
			t.Fatalf("accepted incomplete claims: %+v", c)
		}
	})
}
