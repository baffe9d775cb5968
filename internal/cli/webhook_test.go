package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/world"
)

// TestWebhookCommand runs `trustbridge webhook` in-process on the demo
// world without Kubernetes API access: it prints the ready line and the
// caBundle path, serves /healthz, /mutate and /metrics over HTTPS, and stops when its
// context ends. Pod Identity needs no Kubernetes API (the association is
// in the store), so the demo world's pod-id/pod-identity Pod is mutated.
func TestWebhookCommand(t *testing.T) {
	dir := t.TempDir()
	wf := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(wf, world.Demo(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errb := &logtest.Buffer{}, &logtest.Buffer{}
	root := NewRootCommand(out, errb)
	root.SetArgs([]string{"webhook", "--cluster", "aws-eks-auth-test", "--region", "us-west-2", "--addr", "127.0.0.1:0",
		"--self-signed", filepath.Join(dir, "tls"), "--data-dir", ":memory:", "--world", wf, "--no-kubernetes-api"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	ready := regexp.MustCompile(`trustbridge webhook listening on (https://127\.0\.0\.1:[0-9]+) for cluster arn:aws:eks:us-west-2:123456789012:cluster/aws-eks-auth-test\nwebhook CA \(caBundle\): (\S+)`)
	var m []string
	for deadline := time.Now().Add(time.Minute); m == nil; {
		if m = ready.FindStringSubmatch(out.String()); m != nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("webhook exited: %v\n%s\n%s", err, out, errb)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line:\n%s\n%s", out, errb)
		}
	}
	ca, err := os.ReadFile(m[2])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	get := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, m[1]+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("GET", "/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	review := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},` +
		`"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"pod-id","operation":"CREATE","object":{"spec":{"serviceAccountName":"pod-identity","containers":[{"name":"c"}]}}}}`
	if code, body := get("POST", "/mutate", review); code != 200 || !strings.Contains(body, `"uid":"u1","allowed":true,"patch":"`) {
		t.Fatalf("mutate %d %s", code, body)
	}
	if code, body := get("GET", "/metrics", ""); code != 200 || !strings.Contains(body, `trustbridge_admission_reviews_total{result="mutated"} 1`) {
		t.Fatalf("metrics %d %.400s", code, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("webhook returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("webhook did not stop")
	}
}

// TestWebhookFlagErrors: the flag combinations that cannot work are
// refused before anything starts.
func TestWebhookFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook", "--self-signed", dir}, "--cluster is required"},
		{[]string{"webhook", "--cluster", "c", "--data-dir", ":memory:"}, "self-signed directory is required"},
		{[]string{"webhook", "--cluster", "c", "--data-dir", ":memory:", "--self-signed", dir, "--tls-cert", "a.crt"}, "not both"},
		{[]string{"webhook", "--cluster", "nope", "--data-dir", ":memory:", "--self-signed", dir, "--no-kubernetes-api"}, "cluster not found"},
		{[]string{"webhook", "--cluster", "c", "--data-dir", ":memory:", "--self-signed", dir, "--token-expiration", "-5"}, "defaultTokenExpiration: -5"},
		{[]string{"serve", "--data-dir", ":memory:", "--addr", "127.0.0.1:0", "--cluster", "c"}, "give --webhook-addr too"},
		{[]string{"serve", "--data-dir", ":memory:", "--addr", "127.0.0.1:0", "--webhook-addr", "127.0.0.1:0"}, "--webhook-addr needs --cluster"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
