package oidc

import (
	"fmt"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Benchmarks of Verify against a real TLS issuer (keys are fetched once).
//
//	go test ./internal/oidc -run '^$' -bench . -benchmem
//
// "distinct" verifies a different token every time (signature checked
// every time; the token cache is on but too small to hit, so its insert
// cost is included); "reused" verifies one token again and again (served
// from the verified-token cache). The Parallel variants use every core.
func BenchmarkVerify(b *testing.B) {
	k := getKeys()
	ti := newIssuer(b)
	cases := []struct {
		name string
		key  any
		alg  jose.SignatureAlgorithm
		kid  string
	}{
		{"RS256", k.rsa, jose.RS256, "rsa1"},
		{"ES256", k.p256, jose.ES256, "ec256"},
	}
	const pool = 512
	for _, c := range cases {
		k8sClaims := func(i int) map[string]any {
			m := claimsFor(ti.url)
			m["exp"] = time.Now().Add(24 * time.Hour).Unix()
			m["iat"], m["nbf"] = time.Now().Unix(), time.Now().Unix()
			m["jti"] = fmt.Sprintf("jti-%d", i)
			m["kubernetes.io"] = map[string]any{
				"namespace":      "default",
				"pod":            map[string]any{"name": fmt.Sprintf("app-%d", i), "uid": "0d8b6a3c-7e5c-4c1a-9f1d-5a3f2b1c0e9d"},
				"serviceaccount": map[string]any{"name": "app", "uid": "b3a1f1e2-1111-2222-3333-444455556666"},
			}
			return m
		}
		tokens := make([]string, pool)
		for i := range tokens {
			tokens[i] = sign(b, c.key, c.alg, c.kid, k8sClaims(i), nil)
		}
		newV := func(cacheSize int) *Verifier {
			v := NewVerifier(Options{RootCAs: rootsFor(ti), TokenCacheSize: cacheSize})
			if _, err := v.Verify(bg(), ti.provider(), tokens[0]); err != nil {
				b.Fatal(err)
			}
			return v
		}
		p := ti.provider()
		b.Run(c.name+"/distinct", func(b *testing.B) {
			v := newV(16)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := v.Verify(bg(), p, tokens[i%pool]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(c.name+"/reused", func(b *testing.B) {
			v := newV(0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(bg(), p, tokens[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
		lookup := func(string) (*Provider, error) { return p, nil }
		b.Run(c.name+"/reused-VerifyWith", func(b *testing.B) {
			v := newV(0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyWith(bg(), tokens[0], lookup); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/distinct-VerifyWith", func(b *testing.B) {
			v := newV(16)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := v.VerifyWith(bg(), tokens[i%pool], lookup); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(c.name+"/distinct-parallel", func(b *testing.B) {
			v := newV(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := v.Verify(bg(), p, tokens[i%pool]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
		b.Run(c.name+"/reused-parallel", func(b *testing.B) {
			v := newV(0)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Verify(bg(), p, tokens[0]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkPeekIssuer(b *testing.B) {
	k := getKeys()
	m := claimsFor("https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")
	m["kubernetes.io"] = map[string]any{"namespace": "default", "serviceaccount": map[string]any{"name": "app", "uid": "b3a1f1e2-1111-2222-3333-444455556666"}}
	tok := sign(b, k.p256, jose.ES256, "ec256", m, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PeekIssuer(tok); err != nil {
			b.Fatal(err)
		}
	}
}
