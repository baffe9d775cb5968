package sigv4

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkVerifySTS is the hot path of the edge: a typical STS POST in
// the header form with a session token (Parse, Check, Verify) with a warm
// key cache.
func BenchmarkVerifySTS(b *testing.B) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	r, body := signedSTS(b, testToken, now)
	r.Header.Set("User-Agent", "aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11")
	hash := PayloadHash(body)
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Check(a, "sts", now); err != nil {
			b.Fatal(err)
		}
		if err := v.Verify(r, a, testSecret, hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySTSColdKey is the same without a key cache (every request
// derives its signing key).
func BenchmarkVerifySTSColdKey(b *testing.B) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	r, body := signedSTS(b, testToken, now)
	hash := PayloadHash(body)
	v := &Verifier{}
	b.ReportAllocs()
	for b.Loop() {
		a, _ := Parse(r)
		if err := v.Verify(r, a, testSecret, hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned verifies a k8s-aws-v1 style presigned
// GetCallerIdentity (the TokenReview hot path).
func BenchmarkVerifyPresigned(b *testing.B) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	src, _ := http.NewRequest("GET", "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	src.Header.Set("x-k8s-aws-id", "demo-cluster")
	u, _, err := Presign(src, Credentials{testAKID, testSecret, testToken}, "us-west-2", "sts", time.Minute, now)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("GET", u, nil)
	r.Header.Set("x-k8s-aws-id", "demo-cluster")
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Check(a, "sts", now); err != nil {
			b.Fatal(err)
		}
		if err := v.Verify(r, a, testSecret, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSigningKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SigningKey(testSecret, "20261122", "us-east-1", "sts")
	}
}

func BenchmarkSign(b *testing.B) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	hash := PayloadHash([]byte("Action=GetCallerIdentity&Version=2011-06-15"))
	r, _ := http.NewRequest("POST", "https://sts.us-east-1.amazonaws.com/", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	b.ReportAllocs()
	for b.Loop() {
		if err := Sign(r, hash, Credentials{testAKID, testSecret, testToken}, "us-east-1", "sts", now); err != nil {
			b.Fatal(err)
		}
	}
}
