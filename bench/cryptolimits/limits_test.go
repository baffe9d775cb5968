package cryptolimits

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

// jwtInput is the size of a projected service-account token's signing
// input (header.payload, base64url), about 900 bytes.
var jwtInput = make([]byte, 900)

func BenchmarkRS256Verify2048(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(jwtInput)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(jwtInput)
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkES256Verify(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(jwtInput)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(jwtInput)
		if !ecdsa.VerifyASN1(&key.PublicKey, h[:], sig) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkHMACSHA256StringToSign is the last step of SigV4 verification
// with a cached signing key: one HMAC over a ~200-byte string to sign.
func BenchmarkHMACSHA256StringToSign(b *testing.B) {
	key := make([]byte, 32)
	msg := make([]byte, 200)
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		_ = m.Sum(nil)
	}
}

// BenchmarkSigV4SigningKeyDerivation is the four chained HMACs that derive
// a signing key (date, region, service, "aws4_request") plus the final
// signature: SigV4 with no cached key.
func BenchmarkSigV4SigningKeyDerivation(b *testing.B) {
	secret := []byte("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	msg := make([]byte, 200)
	mac := func(k, d []byte) []byte {
		m := hmac.New(sha256.New, k)
		m.Write(d)
		return m.Sum(nil)
	}
	b.ReportAllocs()
	for b.Loop() {
		k := mac(secret, []byte("20261122"))
		k = mac(k, []byte("us-east-1"))
		k = mac(k, []byte("sts"))
		k = mac(k, []byte("aws4_request"))
		_ = mac(k, msg)
	}
}

func aead(b *testing.B) cipher.AEAD {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// sessionTokenPlain is about the size of a sealed session's plaintext.
var sessionTokenPlain = make([]byte, 600)

func BenchmarkAES256GCMSeal600B(b *testing.B) {
	g := aead(b)
	nonce := make([]byte, g.NonceSize())
	dst := make([]byte, 0, len(sessionTokenPlain)+g.Overhead())
	b.SetBytes(int64(len(sessionTokenPlain)))
	b.ReportAllocs()
	for b.Loop() {
		dst = g.Seal(dst[:0], nonce, sessionTokenPlain, nil)
	}
}

func BenchmarkAES256GCMOpen600B(b *testing.B) {
	g := aead(b)
	nonce := make([]byte, g.NonceSize())
	sealed := g.Seal(nil, nonce, sessionTokenPlain, nil)
	dst := make([]byte, 0, len(sessionTokenPlain))
	b.SetBytes(int64(len(sessionTokenPlain)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = g.Open(dst[:0], nonce, sealed, nil); err != nil {
			b.Fatal(err)
		}
	}
}
