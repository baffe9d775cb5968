package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// An issuer directory holds: ca.crt (trust this), tls.crt/tls.key (the
// HTTPS server), signing.key (RSA key that signs tokens) and issuer.txt.

func ensureIssuerDir(dir, addr string) (issuerURL string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	issuerURL = "https://" + addr
	if b, err := os.ReadFile(filepath.Join(dir, "issuer.txt")); err == nil && strings.TrimSpace(string(b)) == issuerURL {
		return issuerURL, nil
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "loadgen issuer CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	host, _, _ := net.SplitHostPort(addr)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	if ip := net.ParseIP(host); ip != nil {
		leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
	} else {
		leafTmpl.DNSNames = append(leafTmpl.DNSNames, host)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	signKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	leafKeyDER, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	signDER, _ := x509.MarshalPKCS8PrivateKey(signKey)
	files := map[string][]byte{
		"ca.crt":      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"tls.crt":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		"tls.key":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: leafKeyDER}),
		"signing.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: signDER}),
		"issuer.txt":  []byte(issuerURL + "\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return "", err
		}
	}
	return issuerURL, nil
}

func loadSigner(dir string) (crypto.Signer, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "signing.key"))
	if err != nil {
		return nil, "", err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, "", errors.New("signing.key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, "", err
	}
	iss, err := os.ReadFile(filepath.Join(dir, "issuer.txt"))
	if err != nil {
		return nil, "", err
	}
	return k.(crypto.Signer), strings.TrimSpace(string(iss)), nil
}

func keyID(pub crypto.PublicKey) string {
	jwk := jose.JSONWebKey{Key: pub}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	return fmt.Sprintf("%x", tp[:8])
}

func cmdIssuer(args []string) error {
	fs := flag.NewFlagSet("issuer", flag.ExitOnError)
	dir := fs.String("dir", "", "issuer directory (created if needed)")
	addr := fs.String("addr", "127.0.0.1:8443", "HTTPS listen address; the issuer URL is https://ADDR")
	_ = fs.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	iss, err := ensureIssuerDir(*dir, *addr)
	if err != nil {
		return err
	}
	signer, _, err := loadSigner(*dir)
	if err != nil {
		return err
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: signer.Public(), KeyID: keyID(signer.Public()), Algorithm: "RS256", Use: "sig"}}})
	disc, _ := json.Marshal(map[string]any{
		"issuer": iss, "jwks_uri": iss + "/keys", "response_types_supported": []string{"id_token"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(disc)
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	fmt.Println(iss)
	return http.ListenAndServeTLS(*addr, filepath.Join(*dir, "tls.crt"), filepath.Join(*dir, "tls.key"), mux)
}

// cmdTokens mints distinct Kubernetes-style service-account tokens, one per
// line, using every core.
func cmdTokens(args []string) error {
	fs := flag.NewFlagSet("tokens", flag.ExitOnError)
	dir := fs.String("dir", "", "issuer directory")
	n := fs.Int("n", 1000, "number of tokens")
	aud := fs.String("aud", "sts.amazonaws.com", "audience")
	ns := fs.String("namespace", "bench", "service account namespace")
	sa := fs.String("sa", "bench", "service account name")
	ttl := fs.Duration("ttl", 2*time.Hour, "token lifetime")
	extra := fs.String("claim", "", "an extra string claim NAME=VALUE (MinIO reads its policy from one)")
	out := fs.String("out", "", "output file (one token per line)")
	_ = fs.Parse(args)
	extraName, extraValue, hasExtra := strings.Cut(*extra, "=")
	signer, iss, err := loadSigner(*dir)
	if err != nil {
		return err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", keyID(signer.Public()))
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signer}, opts)
	if err != nil {
		return err
	}
	tokens := make([]string, *n)
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	workers := runtime.NumCPU()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < *n; i += workers {
				podUID := uuid.NewString()
				claims := map[string]any{
					"iss": iss, "sub": "system:serviceaccount:" + *ns + ":" + *sa, "aud": []string{*aud},
					"exp": now.Add(*ttl).Unix(), "iat": now.Unix(), "nbf": now.Unix(), "jti": uuid.NewString(),
					"kubernetes.io": map[string]any{
						"namespace":      *ns,
						"serviceaccount": map[string]string{"name": *sa, "uid": "5f8b2c4e-0000-4000-8000-000000000001"},
						"pod":            map[string]string{"name": fmt.Sprintf("bench-%d", i), "uid": podUID},
					},
				}
				if hasExtra {
					claims[extraName] = extraValue
				}
				tok, err := jwt.Signed(sig).Claims(claims).Serialize()
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				tokens[i] = tok
			}
		}(w)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return os.WriteFile(*out, []byte(strings.Join(tokens, "\n")+"\n"), 0o600)
}
