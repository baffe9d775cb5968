package testbed

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// ResignToken returns token (a service-account JWT the API server issued)
// with its claims changed by edit and signed again with key, the API
// server's RS256 signing key; the header (alg, kid) is kept byte for byte.
// The TokenRequest API refuses lifetimes under ten minutes, so this is how
// a test gets an expired token without waiting for one.
func ResignToken(t testing.TB, key *rsa.PrivateKey, token string, edit func(claims map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatal("token is not a JWS compact serialization")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	edit(claims)
	if payload, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	signingInput := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ExpiresAt is a ResignToken edit that moves iat, nbf and exp so that the
// token lived an hour up to exp.
func ExpiresAt(exp time.Time) func(map[string]any) {
	return func(claims map[string]any) {
		claims["iat"] = exp.Add(-time.Hour).Unix()
		claims["nbf"] = exp.Add(-time.Hour).Unix()
		claims["exp"] = exp.Unix()
	}
}
