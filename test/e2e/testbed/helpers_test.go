package testbed_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

func TestCAIssuesVerifiableCertificates(t *testing.T) {
	ca, err := testbed.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		issue    func() ([]byte, []byte, error)
		usage    x509.ExtKeyUsage
		dnsName  string
		wantCN   string
		wantOrgs []string
	}{
		{
			name:    "serving",
			issue:   func() ([]byte, []byte, error) { return ca.ServingCert("127.0.0.1", "localhost") },
			usage:   x509.ExtKeyUsageServerAuth,
			dnsName: "localhost",
			wantCN:  "127.0.0.1",
		},
		{
			name:     "client",
			issue:    func() ([]byte, []byte, error) { return ca.ClientCert("admin", "system:masters") },
			usage:    x509.ExtKeyUsageClientAuth,
			wantCN:   "admin",
			wantOrgs: []string{"system:masters"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM, err := tt.issue()
			if err != nil {
				t.Fatal(err)
			}
			if block, _ := pem.Decode(keyPEM); block == nil || block.Type != "PRIVATE KEY" {
				t.Fatalf("key is not a PKCS#8 PEM block")
			}
			block, _ := pem.Decode(certPEM)
			if block == nil {
				t.Fatal("no PEM certificate")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			opts := x509.VerifyOptions{Roots: ca.CertPool(), KeyUsages: []x509.ExtKeyUsage{tt.usage}, DNSName: tt.dnsName}
			if _, err := cert.Verify(opts); err != nil {
				t.Errorf("verify against the CA: %v", err)
			}
			if cert.Subject.CommonName != tt.wantCN || strings.Join(cert.Subject.Organization, ",") != strings.Join(tt.wantOrgs, ",") {
				t.Errorf("subject = %v, want CN %s O %v", cert.Subject, tt.wantCN, tt.wantOrgs)
			}
		})
	}
	if _, _, err := ca.ServingCert(); err == nil {
		t.Error("ServingCert with no hosts: want an error")
	}
}

func TestWebhookKubeconfig(t *testing.T) {
	ca, err := testbed.NewCA("webhook-ca")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "webhook.kubeconfig")
	const url = "https://127.0.0.1:9443/authenticate"
	if err := testbed.WebhookKubeconfig(path, url, ca.CertPEM); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	// Load it the way the apiserver does.
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != url || string(cfg.TLSClientConfig.CAData) != string(ca.CertPEM) {
		t.Errorf("loaded host %q, CA %d bytes; want %q and the CA", cfg.Host, len(cfg.TLSClientConfig.CAData), url)
	}
	if cfg.BearerToken != "" || len(cfg.TLSClientConfig.CertData) != 0 {
		t.Error("webhook kubeconfig carries credentials")
	}

	for _, tt := range []struct {
		name, url string
		ca        []byte
	}{
		{"no url", "", ca.CertPEM},
		{"no ca", url, nil},
	} {
		if err := testbed.WebhookKubeconfig(filepath.Join(t.TempDir(), "x"), tt.url, tt.ca); err == nil {
			t.Errorf("%s: want an error", tt.name)
		}
	}
}

func TestFreePort(t *testing.T) {
	port := testbed.FreePort()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d from FreePort is not bindable: %v", port, err)
	}
	ln.Close()
}

func TestRepoRoot(t *testing.T) {
	root := testbed.RepoRoot()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "module "+testbed.ProductModule+"\n") {
		t.Errorf("%s/go.mod is not the product module", root)
	}
	if _, err := os.Stat(filepath.Join(root, "test", "e2e", "go.mod")); err != nil {
		t.Errorf("test/e2e/go.mod not under %s: %v", root, err)
	}
}

// TestBuildTrustbridge builds the product from the repository root and
// runs it, as every end-to-end test will.
func TestBuildTrustbridge(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the product")
	}
	bin := testbed.BuildTrustbridge(t)
	if again := testbed.BuildTrustbridge(t); again != bin {
		t.Errorf("second call returned %q, want the cached %q", again, bin)
	}
	out, err := exec.CommandContext(t.Context(), bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("trustbridge version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "trustbridge ") {
		t.Errorf("trustbridge version printed %q", out)
	}
}

// TestAWSConfig checks that AWSConfig routes a real SDK client to the
// given endpoint over TLS verified by the given CA and signs for
// AWSRegion with the given credentials.
func TestAWSConfig(t *testing.T) {
	ca, err := testbed.NewCA("edge-ca")
	if err != nil {
		t.Fatal(err)
	}
	var gotAuth, gotBody string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	if srv.TLS, err = ca.ServingTLSConfig("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	defer srv.Close()

	cfg, err := testbed.AWSConfig(srv.URL, testbed.StaticCredentials("AKIAIOSFODNN7EXAMPLE", "not-a-real-secret", ""), ca.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != "arn:aws:iam::111122223333:user/alice" {
		t.Errorf("Arn = %q", *out.Arn)
	}
	if want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"; !strings.HasPrefix(gotAuth, want) || !strings.Contains(gotAuth, "/"+testbed.AWSRegion+"/sts/aws4_request") {
		t.Errorf("Authorization = %q, want SigV4 for %s/sts", gotAuth, testbed.AWSRegion)
	}
	if !strings.Contains(gotBody, "Action=GetCallerIdentity") {
		t.Errorf("body = %q", gotBody)
	}

	if _, err := testbed.AWSConfig(srv.URL, nil, []byte("not pem")); err == nil {
		t.Error("AWSConfig with a bad CA: want an error")
	}
}
