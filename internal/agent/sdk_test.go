package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

// These tests run the real AWS SDKs' container credential providers
// against the agent (served over TCP on loopback, as an SDK in a pod would
// reach it) with the fake EKS Auth behind it.

// sdkEnv serves the agent on a loopback port with the real clock (the SDKs
// judge expiry against it) and writes token to a file.
type sdkEnv struct {
	*testEnv
	uri       string // AWS_CONTAINER_CREDENTIALS_FULL_URI
	tokenFile string
}

func newSDKEnv(t *testing.T, ns, sa string) *sdkEnv {
	e := newTestEnv(t, func(c *Config) {
		c.Now = time.Now
		c.Addrs = []string{"127.0.0.1:0"}
	})
	srv := httptest.NewServer(e.agent.Handler())
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "eks-pod-identity-token")
	if err := os.WriteFile(file, []byte(e.token(ns, sa)), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sdkEnv{testEnv: e, uri: srv.URL + CredentialsPath, tokenFile: file}
}

// env is a clean process environment pointing the SDKs at the agent only.
func (s *sdkEnv) env(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-west-2",
		"AWS_DEFAULT_REGION=us-west-2",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + s.uri,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + s.tokenFile,
	}
}

func TestGoSDKContainerProvider(t *testing.T) {
	s := newSDKEnv(t, "default", "app")
	for _, kv := range s.env(t) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "ASIAPOD0000000000001" || c.SecretAccessKey != "podSecret0000000000000000000000000000001" || c.SessionToken != "podSessionToken-1" || c.AccountID != testAccount {
		t.Errorf("Go SDK got %+v", c)
	}
	if !c.CanExpire || c.Expires.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("expiry %v %v", c.CanExpire, c.Expires)
	}

	// The agent's error text reaches the application.
	if err := os.WriteFile(s.tokenFile, []byte(s.token("default", "nobody")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Credentials.Retrieve(ctx)
	if err == nil || !strings.Contains(err.Error(), "no Pod Identity association for this service account") {
		t.Fatalf("Go SDK error %v", err)
	}
}

func python3WithBoto3(t *testing.T) string {
	if testing.Short() {
		t.Skip("-short: skipping the boto3 subprocess")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 not installed")
	}
	return py
}

func TestBoto3ContainerProvider(t *testing.T) {
	py := python3WithBoto3(t)
	s := newSDKEnv(t, "default", "app")
	const script = `
import boto3, json
c = boto3.Session().get_credentials().get_frozen_credentials()
print(json.dumps({"ak": c.access_key, "sk": c.secret_key, "token": c.token}))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Env = s.env(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{"ak": "ASIAPOD0000000000001", "sk": "podSecret0000000000000000000000000000001", "token": "podSessionToken-1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("boto3 %s = %q, want %q", k, got[k], v)
		}
	}

	// A token without an association: botocore shows the agent's text
	// (after its own three attempts, which the agent answers from EKS
	// Auth each time: errors are not cached).
	if err := os.WriteFile(s.tokenFile, []byte(s.token("default", "nobody")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(py, "-c", script)
	cmd.Env = s.env(t)
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Received non 200 response 404 from container metadata: EKS Auth found no Pod Identity association") {
		t.Fatalf("boto3 error: %v: %s", err, out)
	}
}

// TestAWSCLIContainerProvider runs `aws sts get-caller-identity` (AWS CLI
// v1) with the agent as its credential source against a fake STS that
// records which access key and session token signed the call.
func TestAWSCLIContainerProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the AWS CLI subprocess")
	}
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	s := newSDKEnv(t, "team", "api")
	var (
		mu             sync.Mutex
		gotKey, gotTok string
	)
	credRE := regexp.MustCompile(`Credential=([^/]+)/`)
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if m := credRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			gotKey = m[1]
		}
		gotTok = r.Header.Get("X-Amz-Security-Token")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>arn:aws:sts::111122223333:assumed-role/api-role/eks-demo-api-pod-0</Arn><UserId>AROAEXAMPLE:eks-demo</UserId><Account>111122223333</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	defer sts.Close()
	cmd := exec.Command(awsCLI, "sts", "get-caller-identity", "--endpoint-url", sts.URL, "--output", "json")
	cmd.Env = s.env(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "assumed-role/api-role") {
		t.Errorf("output %s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotKey != "ASIAPOD0000000000001" || gotTok != "podSessionToken-1" {
		t.Errorf("AWS CLI signed with %q / %q", gotKey, gotTok)
	}
}
