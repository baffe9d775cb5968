package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/kubeserver"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
)

// awsEnv isolates the AWS SDK's credential chain to the given key.
func awsEnv(t *testing.T, id, secret, endpoint string) {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": endpoint, "KUBERNETES_EXEC_INFO": "", "KUBECONFIG": "",
	} {
		t.Setenv(k, v)
	}
	os.Unsetenv("AWS_SESSION_TOKEN")
	os.Unsetenv("AWS_PROFILE")
}

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRootCommand(&out, &errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// TestGetTokenAuthenticates: the ExecCredential `trustbridge get-token`
// prints carries a token the real /authenticate webhook accepts for the
// named cluster only, with aws eks get-token's shape (prefix, host,
// X-Amz-Expires=60, x-k8s-aws-id signed, 14-minute expiry).
func TestGetTokenAuthenticates(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	one := s.Key(t, "UserOne")
	awsEnv(t, one.AccessKeyID, one.SecretAccessKey, "")
	before := time.Now()
	out, stderr, err := runCLI(t, "get-token", "--cluster-name", "aws-eks-auth-test")
	if err != nil {
		t.Fatalf("get-token: %v %s", err, stderr)
	}
	var ec struct {
		Kind, APIVersion string
		Status           struct{ ExpirationTimestamp, Token string }
	}
	if err := json.Unmarshal([]byte(out), &ec); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	exp, err := time.Parse(time.RFC3339, ec.Status.ExpirationTimestamp)
	if ec.Kind != "ExecCredential" || ec.APIVersion != execCredentialV1beta1 || err != nil ||
		exp.Before(before.Add(13*time.Minute)) || exp.After(time.Now().Add(15*time.Minute)) {
		t.Fatalf("ExecCredential: %s", out)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(ec.Status.Token, tokenPrefix))
	if !strings.HasPrefix(ec.Status.Token, tokenPrefix) || err != nil {
		t.Fatalf("token is not k8s-aws-v1.base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Host != "sts.us-west-2.amazonaws.com" || u.Query().Get("X-Amz-Expires") != "60" ||
		!strings.Contains(u.Query().Get("X-Amz-SignedHeaders"), clusterIDHeader) || u.Query().Get("Action") != "GetCallerIdentity" {
		t.Fatalf("presigned URL %s: %v", raw, err)
	}

	ks, err := kubeserver.New(context.Background(), s.App, kubeserver.Config{Addr: "127.0.0.1:0", SelfSignedDir: t.TempDir(),
		Cluster: "aws-eks-auth-test", Region: "us-west-2", NoKubernetesAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := reviewUser(t, ks.Handler(), ec.Status.Token); got != "UserOne" {
		t.Fatalf("token authenticated as %q", got)
	}
	out, _, err = runCLI(t, "get-token", "--cluster-name", "other-cluster")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(out), &ec)
	if got := reviewUser(t, ks.Handler(), ec.Status.Token); got != "" {
		t.Fatalf("a token for another cluster authenticated as %q", got)
	}

	// Errors: no cluster name, a plain-http STS endpoint.
	if _, _, err := runCLI(t, "get-token"); err == nil || !strings.Contains(err.Error(), "--cluster-name") {
		t.Errorf("no --cluster-name: %v", err)
	}
	if _, _, err := runCLI(t, "get-token", "--cluster-name", "x", "--sts-endpoint", "http://127.0.0.1:4577"); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("http --sts-endpoint: %v", err)
	}
}

// reviewUser posts a TokenReview and returns the username, "" if rejected.
func reviewUser(t *testing.T, h http.Handler, tok string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, kubeserver.PathAuthenticate,
		strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"`+tok+`"}}`))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var v struct {
		Status struct {
			Authenticated bool
			User          struct{ Username string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 {
		t.Fatalf("TokenReview %d: %s", w.Code, w.Body)
	}
	if !v.Status.Authenticated {
		return ""
	}
	return v.Status.User.Username
}

// TestClusterToken: the token's presigned URL is deterministic for a
// given time and credentials, signs the session token and the cluster
// header, and uses the China partition's host in cn- regions.
func TestClusterToken(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	creds := sigv4.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "session/token+="}
	a, err := clusterToken("c1", stsHost("us-west-2"), "us-west-2", creds, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := clusterToken("c1", stsHost("us-west-2"), "us-west-2", creds, now)
	c, _ := clusterToken("c2", stsHost("us-west-2"), "us-west-2", creds, now)
	if a != b || a == c {
		t.Fatal("token not deterministic, or not bound to the cluster name")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a, tokenPrefix))
	u, _ := url.Parse(string(raw))
	q := u.Query()
	for k, want := range map[string]string{
		"X-Amz-Date": "20261122T120000Z", "X-Amz-Security-Token": "session/token+=", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
		"X-Amz-Credential": "AKIAEXAMPLE/20261122/us-west-2/sts/aws4_request", "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
		"Version": "2011-06-15",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	for region, host := range map[string]string{"us-east-1": "sts.us-east-1.amazonaws.com", "cn-north-1": "sts.cn-north-1.amazonaws.com.cn", "eu-west-3": "sts.eu-west-3.amazonaws.com"} {
		if got := stsHost(region); got != host {
			t.Errorf("stsHost(%s) = %s", region, got)
		}
	}
}

func TestExecCredentialVersion(t *testing.T) {
	for _, tc := range []struct {
		info, version string
		warns         bool
	}{
		{"", execCredentialV1beta1, false},
		{`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`, execCredentialV1, false},
		{`{"apiVersion":"client.authentication.k8s.io/v1beta1"}`, execCredentialV1beta1, false},
		{`{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`, execCredentialV1beta1, true},
		{`{"kind":"ExecCredential"}`, execCredentialV1beta1, true},
		{`not json`, execCredentialV1beta1, true},
	} {
		v, w := execCredentialVersion(tc.info)
		if v != tc.version || (w != "") != tc.warns {
			t.Errorf("%q: %q, warning %q", tc.info, v, w)
		}
	}
	var out, errb bytes.Buffer
	if err := writeExecCredential(&out, &errb, "k8s-aws-v1.abc", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), `{"apiVersion":"client.authentication.k8s.io/v1"}`); err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{},"status":{"expirationTimestamp":"2026-01-02T03:04:05Z","token":"k8s-aws-v1.abc"}}` + "\n"
	if out.String() != want || errb.Len() != 0 {
		t.Fatalf("got %s (stderr %q)", out.String(), errb.String())
	}
}

// FuzzExecCredentialVersion: any KUBERNETES_EXEC_INFO yields a supported
// apiVersion and never panics.
func FuzzExecCredentialVersion(f *testing.F) {
	for _, s := range []string{"", "{}", `{"apiVersion":"client.authentication.k8s.io/v1"}`, `{"apiVersion":1}`, "null", `{"apiVersion":"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, info string) {
		v, _ := execCredentialVersion(info)
		if v != execCredentialV1 && v != execCredentialV1beta1 {
			t.Fatalf("unsupported version %q", v)
		}
	})
}

// TestUpdateKubeconfig: update-kubeconfig reads the endpoint and CA with
// DescribeCluster from trustbridge, writes a context whose user runs
// get-token, keeps other entries, and says whether it added or updated.
func TestUpdateKubeconfig(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	one := s.Key(t, "UserOne")
	awsEnv(t, one.AccessKeyID, one.SecretAccessKey, s.URL)
	ref := store.ClusterRef{Account: "123456789012", Region: "us-west-2", Name: "aws-eks-auth-test"}

	// The demo cluster has no endpoint yet: a clear error.
	path := filepath.Join(t.TempDir(), "kube", "config")
	if _, _, err := runCLI(t, "update-kubeconfig", "--name", ref.Name, "--kubeconfig", path); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("no endpoint: %v", err)
	}
	caPEM := "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
	if err := s.App.Store.UpdateCluster(context.Background(), ref, func(c *store.Cluster) error {
		c.Endpoint = "https://127.0.0.1:6443"
		c.CertificateAuthority = base64.StdEncoding.EncodeToString([]byte(caPEM))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.App.Cache.Invalidate()

	other := "apiVersion: v1\nkind: Config\nclusters: [{name: keep, cluster: {server: https://keep}}]\nusers: [{name: keep, user: {token: x}}]\ncontexts: [{name: keep, context: {cluster: keep, user: keep}}]\ncurrent-context: keep\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCLI(t, "update-kubeconfig", "--name", ref.Name, "--kubeconfig", path, "--exec-command", "/usr/bin/trustbridge", "--role-arn", "arn:aws:iam::123456789012:role/r")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	arn := "arn:aws:eks:us-west-2:123456789012:cluster/aws-eks-auth-test"
	if !strings.HasPrefix(out, "Added new context "+arn+" to "+path) {
		t.Fatalf("output %q", out)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cl, ai := cfg.Clusters[arn], cfg.AuthInfos[arn]
	if cfg.CurrentContext != arn || cfg.Contexts["keep"] == nil || cl == nil || cl.Server != "https://127.0.0.1:6443" || string(cl.CertificateAuthorityData) != caPEM || ai == nil || ai.Exec == nil {
		t.Fatalf("kubeconfig: %+v", cfg)
	}
	if ai.Exec.Command != "/usr/bin/trustbridge" || ai.Exec.APIVersion != execCredentialV1beta1 ||
		strings.Join(ai.Exec.Args, " ") != "get-token --cluster-name aws-eks-auth-test --region us-west-2 --role-arn arn:aws:iam::123456789012:role/r" {
		t.Fatalf("exec: %+v", ai.Exec)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	out, _, err = runCLI(t, "update-kubeconfig", "--name", ref.Name, "--kubeconfig", path, "--alias", "tb")
	if err != nil || !strings.HasPrefix(out, "Added new context tb") {
		t.Fatalf("alias: %q %v", out, err)
	}
	out, _, err = runCLI(t, "update-kubeconfig", "--name", ref.Name, "--kubeconfig", path, "--alias", "tb")
	if err != nil || !strings.HasPrefix(out, "Updated context tb") {
		t.Fatalf("update: %q %v", out, err)
	}
	out, _, err = runCLI(t, "update-kubeconfig", "--name", ref.Name, "--dry-run")
	if err != nil || !strings.Contains(out, "server: https://127.0.0.1:6443") || !strings.Contains(out, "get-token") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "update-kubeconfig", "--name", "no-such-cluster", "--kubeconfig", path); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Fatalf("unknown cluster: %v", err)
	}
}
