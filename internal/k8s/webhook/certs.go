package webhook

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File names written by SelfSigned inside its directory.
const (
	CAFile      = "ca.crt"
	CAKeyFile   = "ca.key"
	TLSCertFile = "tls.crt"
	TLSKeyFile  = "tls.key"
)

// Lifetimes and renewal margin of the self-signed certificates.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 365 * 24 * time.Hour
	// renewBefore is how close to expiry a certificate is replaced.
	renewBefore = 30 * 24 * time.Hour
	// backdate tolerates clocks of other machines running slightly behind.
	backdate = time.Hour
)

// SelfSigned creates, or reuses, a private CA and a serving certificate in
// dir for local clusters, so the CA can be put in a webhook
// configuration's caBundle:
//
//   - dir/ca.crt and dir/ca.key: an ECDSA P-256 CA valid for 10 years;
//   - dir/tls.crt and dir/tls.key: an ECDSA P-256 serving certificate
//     signed by that CA, valid for 1 year, whose subject alternative names
//     are 127.0.0.1, ::1, localhost and hosts.
//
// Existing files are reused when they are valid: the CA is replaced only
// when it is missing, unreadable, or within 30 days of expiry (and then the
// leaf too); the leaf is replaced when it is missing, does not verify
// against the CA, does not match its key, its names differ from the wanted
// set, or it is within 30 days of expiry. Reusing the CA keeps caBundle
// stable across restarts and host changes, which is why ca.key is kept
// beside ca.crt.
//
// hosts are DNS names or IP addresses (a "host:port" form is accepted and
// its port dropped; empty and unspecified addresses such as 0.0.0.0 are
// ignored). dir is created with mode 0700 if needed; key files are written
// with mode 0600 and certificates 0644, each atomically (write to a
// temporary file, then rename).
func SelfSigned(dir string, hosts []string) (certFile, keyFile, caFile string, err error) {
	return selfSigned(dir, hosts, time.Now())
}

func selfSigned(dir string, hosts []string, now time.Time) (certFile, keyFile, caFile string, err error) {
	dnsNames, ips, err := sanList(hosts)
	if err != nil {
		return "", "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", fmt.Errorf("self-signed certificates: %w", err)
	}
	certFile = filepath.Join(dir, TLSCertFile)
	keyFile = filepath.Join(dir, TLSKeyFile)
	caFile = filepath.Join(dir, CAFile)
	caKeyFile := filepath.Join(dir, CAKeyFile)

	ca, caKey, ok := loadCA(caFile, caKeyFile, now)
	if !ok {
		ca, caKey, err = newCA(now)
		if err != nil {
			return "", "", "", err
		}
		if err := writePEM(caKeyFile, "PRIVATE KEY", mustPKCS8(caKey), 0o600); err != nil {
			return "", "", "", err
		}
		if err := writePEM(caFile, "CERTIFICATE", ca.Raw, 0o644); err != nil {
			return "", "", "", err
		}
	} else if leafValid(certFile, keyFile, ca, dnsNames, ips, now) {
		return certFile, keyFile, caFile, nil
	}
	leafDER, leafKey, err := newLeaf(ca, caKey, dnsNames, ips, now)
	if err != nil {
		return "", "", "", err
	}
	// Key first: a reader that sees the new key with the old certificate
	// finds a mismatch and retries (see certReloader).
	if err := writePEM(keyFile, "PRIVATE KEY", mustPKCS8(leafKey), 0o600); err != nil {
		return "", "", "", err
	}
	if err := writePEM(certFile, "CERTIFICATE", leafDER, 0o644); err != nil {
		return "", "", "", err
	}
	return certFile, keyFile, caFile, nil
}

// sanList normalises hosts into sorted, de-duplicated DNS names and IPs,
// always including 127.0.0.1, ::1 and localhost.
func sanList(hosts []string) ([]string, []net.IP, error) {
	dns := map[string]bool{"localhost": true}
	ipset := map[string]net.IP{"127.0.0.1": net.ParseIP("127.0.0.1").To4(), "::1": net.ParseIP("::1")}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() {
				continue
			}
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			ipset[ip.String()] = ip
			continue
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if !validDNSName(h) {
			return nil, nil, fmt.Errorf("self-signed certificates: %q is neither an IP address nor a DNS name", h)
		}
		dns[h] = true
	}
	names := make([]string, 0, len(dns))
	for n := range dns {
		names = append(names, n)
	}
	slices.Sort(names)
	keys := make([]string, 0, len(ipset))
	for k := range ipset {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ips := make([]net.IP, 0, len(keys))
	for _, k := range keys {
		ips = append(ips, ipset[k])
	}
	return names, ips, nil
}

// validDNSName accepts RFC 1123 host names, with an optional leading "*."
// wildcard label.
func validDNSName(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func loadCA(certPath, keyPath string, now time.Time) (*x509.Certificate, crypto.Signer, bool) {
	cert, err := readCert(certPath)
	if err != nil || !cert.IsCA || now.Add(renewBefore).After(cert.NotAfter) {
		return nil, nil, false
	}
	key, err := readKey(keyPath)
	if err != nil || !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, nil, false
	}
	return cert, key, true
}

func leafValid(certPath, keyPath string, ca *x509.Certificate, dnsNames []string, ips []net.IP, now time.Time) bool {
	cert, err := readCert(certPath)
	if err != nil || now.Add(renewBefore).After(cert.NotAfter) {
		return false
	}
	key, err := readKey(keyPath)
	if err != nil || !publicKeysEqual(cert.PublicKey, key.Public()) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return false
	}
	have := slices.Clone(cert.DNSNames)
	slices.Sort(have)
	if !slices.Equal(have, dnsNames) {
		return false
	}
	haveIPs := make([]string, 0, len(cert.IPAddresses))
	for _, ip := range cert.IPAddresses {
		haveIPs = append(haveIPs, ip.String())
	}
	wantIPs := make([]string, 0, len(ips))
	for _, ip := range ips {
		wantIPs = append(wantIPs, ip.String())
	}
	slices.Sort(haveIPs)
	slices.Sort(wantIPs)
	return slices.Equal(haveIPs, wantIPs)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func readKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no key")
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, errors.New("unsupported key type")
	}
	if err != nil {
		return nil, err
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("unsupported key type")
	}
	return s, nil
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func newCA(now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: generate CA key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "trustbridge webhook CA", Organization: []string{"trustbridge"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: %w", err)
	}
	return cert, key, nil
}

func newLeaf(ca *x509.Certificate, caKey crypto.Signer, dnsNames []string, ips []net.IP, now time.Time) ([]byte, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: generate key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: %w", err)
	}
	notAfter := now.Add(leafLifetime)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "trustbridge webhook", Organization: []string{"trustbridge"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("self-signed certificates: create serving certificate: %w", err)
	}
	return der, key, nil
}

func mustPKCS8(key crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		// Only unsupported key types fail; we generate ECDSA P-256.
		panic(err)
	}
	return der
}

// writePEM atomically replaces path with one PEM block.
func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	var buf bytes.Buffer
	if err := pem.Encode(&buf, &pem.Block{Type: typ, Bytes: der}); err != nil {
		return fmt.Errorf("self-signed certificates: encode %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("self-signed certificates: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("self-signed certificates: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("self-signed certificates: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("self-signed certificates: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("self-signed certificates: write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("self-signed certificates: %w", err)
	}
	return nil
}
