package webhook

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustSelfSigned(t *testing.T, dir string, hosts []string, now time.Time) (cert, key, ca string) {
	t.Helper()
	cert, key, ca, err := selfSigned(dir, hosts, now)
	if err != nil {
		t.Fatalf("selfSigned: %v", err)
	}
	return cert, key, ca
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSelfSignedCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	now := time.Now()
	certFile, keyFile, caFile := mustSelfSigned(t, dir, []string{"trustbridge.example", "10.0.0.7:8443", "0.0.0.0", " ", "[fd00::1]"}, now)
	if certFile != filepath.Join(dir, "tls.crt") || keyFile != filepath.Join(dir, "tls.key") || caFile != filepath.Join(dir, "ca.crt") {
		t.Fatalf("paths = %s %s %s", certFile, keyFile, caFile)
	}
	for name, want := range map[string]os.FileMode{"tls.key": 0o600, "ca.key": 0o600, "tls.crt": 0o644, "ca.crt": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", name, got, want)
		}
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %o", fi.Mode().Perm())
	}

	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	ca, err := readCert(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || ca.NotAfter.Sub(now) < 9*365*24*time.Hour {
		t.Errorf("CA: IsCA=%v NotAfter=%v", ca.IsCA, ca.NotAfter)
	}
	if d := leaf.NotAfter.Sub(now); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("leaf lifetime = %v", d)
	}
	if got, want := leaf.DNSNames, []string{"localhost", "trustbridge.example"}; !slices.Equal(got, want) {
		t.Errorf("DNSNames = %v, want %v", got, want)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	slices.Sort(ips)
	if want := []string{"10.0.0.7", "127.0.0.1", "::1", "fd00::1"}; !slices.Equal(ips, want) {
		t.Errorf("IPs = %v, want %v", ips, want)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "trustbridge.example", "10.0.0.7"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if !bytes.Contains(readFile(t, keyFile), []byte("BEGIN PRIVATE KEY")) {
		t.Error("key is not PKCS#8 PEM")
	}
}

func TestSelfSignedReuseAndRenew(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	certFile, keyFile, caFile := mustSelfSigned(t, dir, []string{"a.example"}, now)
	caKeyFile := filepath.Join(dir, "ca.key")
	ca0, leaf0, key0, caKey0 := readFile(t, caFile), readFile(t, certFile), readFile(t, keyFile), readFile(t, caKeyFile)

	tests := []struct {
		name      string
		hosts     []string
		now       time.Time
		prepare   func()
		wantNewCA bool
		wantNew   bool
	}{
		{name: "same hosts reused", hosts: []string{"a.example"}, now: now.Add(time.Hour)},
		{name: "same hosts different order and case reused", hosts: []string{"A.example.", "127.0.0.1", "localhost"}, now: now},
		{name: "hosts changed", hosts: []string{"b.example"}, now: now, wantNew: true},
		{name: "leaf near expiry", hosts: []string{"a.example"}, now: now.Add(340 * 24 * time.Hour), wantNew: true},
		{name: "leaf corrupt", hosts: []string{"a.example"}, now: now, wantNew: true, prepare: func() {
			os.WriteFile(certFile, []byte("garbage"), 0o644)
		}},
		{name: "leaf key mismatched", hosts: []string{"a.example"}, now: now, wantNew: true, prepare: func() {
			_, k, _ := newCA(now)
			writePEM(keyFile, "PRIVATE KEY", mustPKCS8(k), 0o600)
		}},
		{name: "leaf from another CA", hosts: []string{"a.example"}, now: now, wantNew: true, prepare: func() {
			ca, k, _ := newCA(now)
			dns, ips, _ := sanList([]string{"a.example"})
			der, lk, _ := newLeaf(ca, k, dns, ips, now)
			writePEM(keyFile, "PRIVATE KEY", mustPKCS8(lk), 0o600)
			writePEM(certFile, "CERTIFICATE", der, 0o644)
		}},
		{name: "CA key missing", hosts: []string{"a.example"}, now: now, wantNewCA: true, wantNew: true, prepare: func() {
			os.Remove(filepath.Join(dir, "ca.key"))
		}},
		{name: "CA near expiry", hosts: []string{"a.example"}, now: now.Add(10*365*24*time.Hour - 10*24*time.Hour), wantNewCA: true, wantNew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start each case from the original files.
			for p, b := range map[string][]byte{caFile: ca0, certFile: leaf0, keyFile: key0, caKeyFile: caKey0} {
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.prepare != nil {
				tt.prepare()
			}
			mustSelfSigned(t, dir, tt.hosts, tt.now)
			if gotNewCA := !bytes.Equal(readFile(t, caFile), ca0); gotNewCA != tt.wantNewCA {
				t.Errorf("new CA = %v, want %v", gotNewCA, tt.wantNewCA)
			}
			if gotNew := !bytes.Equal(readFile(t, certFile), leaf0); gotNew != tt.wantNew {
				t.Errorf("new leaf = %v, want %v", gotNew, tt.wantNew)
			}
			ca, err := readCert(caFile)
			if err != nil {
				t.Fatal(err)
			}
			dns, ips, err := sanList(tt.hosts)
			if err != nil {
				t.Fatal(err)
			}
			if !leafValid(certFile, keyFile, ca, dns, ips, tt.now) {
				t.Error("result does not validate")
			}
		})
	}
}

func TestSelfSignedBadHost(t *testing.T) {
	for _, h := range []string{"bad host", "-x.example", "a..b", strings.Repeat("a", 64) + ".example", "x_y.example"} {
		if _, _, _, err := SelfSigned(t.TempDir(), []string{h}); err == nil {
			t.Errorf("host %q accepted", h)
		}
	}
	for _, h := range []string{"*.svc.example", "webhook.trustbridge.svc", "UPPER.example"} {
		if _, _, _, err := SelfSigned(t.TempDir(), []string{h}); err != nil {
			t.Errorf("host %q rejected: %v", h, err)
		}
	}
}

func FuzzSANList(f *testing.F) {
	for _, s := range []string{"localhost", "10.0.0.1:443", "[::1]:8443", "*.example.com", "a..b", "0.0.0.0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		dns, ips, err := sanList([]string{h})
		if err != nil {
			return
		}
		if !slices.Contains(dns, "localhost") || len(ips) < 2 {
			t.Fatalf("defaults missing: %v %v", dns, ips)
		}
		for _, d := range dns {
			if !validDNSName(d) {
				t.Fatalf("invalid name %q returned", d)
			}
		}
	})
}
