package sigv4

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func needAWSCLI(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the AWS CLI")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed")
	}
}

// awsEnv is an environment for the AWS CLI with only the given
// credentials: no config files, no instance metadata, no retries.
func awsEnv(t *testing.T, token string) []string {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AWS_ACCESS_KEY_ID=" + testAKID, "AWS_SECRET_ACCESS_KEY=" + testSecret,
		"AWS_DEFAULT_REGION=us-west-2", "AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard", "AWS_PAGER=",
	}
	if p := os.Getenv("PYENV_ROOT"); p != "" {
		env = append(env, "PYENV_ROOT="+p)
	}
	if token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+token)
	}
	return env
}

// TestAWSCLI captures what the real AWS CLI sends (STS and IAM over the
// Query protocol, EKS and EKS Auth over REST/JSON) and verifies it.
func TestAWSCLI(t *testing.T) {
	needAWSCLI(t)
	queryRec := newRecorder(t, queryError)
	restRec := newRecorder(t, restError)
	q, r := queryRec.srv.URL, restRec.srv.URL
	runs := []struct {
		token string
		args  []string
	}{
		{"", []string{"sts", "get-caller-identity", "--endpoint-url", q}},
		{testToken, []string{"sts", "assume-role", "--endpoint-url", q, "--role-arn", "arn:aws:iam::123456789012:role/path/r", "--role-session-name", "s@x.y=z,+",
			"--tags", "Key=team name,Value=a/b c~ü", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}},
		{"", []string{"iam", "list-users", "--endpoint-url", q, "--path-prefix", "/a b/"}},
		{testToken, []string{"eks", "list-clusters", "--endpoint-url", r, "--max-results", "5"}},
		{"", []string{"eks", "describe-cluster", "--endpoint-url", r, "--name", "demo-cluster"}},
		{"", []string{"eks-auth", "assume-role-for-pod-identity", "--endpoint-url", r, "--cluster-name", "demo", "--token", "eyJhbGciOiJSUzI1NiJ9.e30.sig"}},
	}
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() {
			cmd := exec.Command("aws", run.args...)
			cmd.Env = awsEnv(t, run.token)
			_ = cmd.Run() // the servers answer with errors; only the requests matter
		})
	}
	wg.Wait()
	all := append(queryRec.all(), restRec.all()...)
	if len(all) != len(runs) {
		t.Fatalf("captured %d requests, want %d", len(all), len(runs))
	}
	services := map[string]bool{}
	for _, c := range all {
		a, err := Parse(c.req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.req.Method, c.req.RequestURI, err)
		}
		services[a.Scope.Service] = true
		if _, err := verifyRequest(c.req, c.body, testSecret, a.Scope.Service, c.at); err != nil {
			t.Errorf("%s %s (%s): %v (%s)", c.req.Method, c.req.RequestURI, a.signedHeaders, err, explanation(err))
		}
		if _, err := verifyRequest(c.req, c.body, "other", a.Scope.Service, c.at); errCode(err) != "SignatureDoesNotMatch" {
			t.Errorf("%s %s with another secret: %v", c.req.Method, c.req.RequestURI, err)
		}
	}
	for _, s := range []string{"sts", "iam", "eks", "eks-auth"} {
		if !services[s] {
			t.Errorf("no request signed for %s", s)
		}
	}
}

// TestAWSCLIGetToken verifies `aws eks get-token` tokens: k8s-aws-v1. +
// base64url of a presigned STS GetCallerIdentity URL that signs
// x-k8s-aws-id. The CLI makes them offline.
func TestAWSCLIGetToken(t *testing.T) {
	needAWSCLI(t)
	for _, tc := range []struct {
		name, token, region string
	}{
		{"long-term", "", "us-west-2"},
		{"session", testToken, "eu-central-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("aws", "eks", "get-token", "--cluster-name", "demo-cluster", "--region", tc.region)
			cmd.Env = awsEnv(t, tc.token)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("aws eks get-token: %v", err)
			}
			now := time.Now()
			var cred struct {
				Status struct{ Token string } `json:"status"`
			}
			if err := json.Unmarshal(out, &cred); err != nil {
				t.Fatal(err)
			}
			raw, ok := strings.CutPrefix(cred.Status.Token, "k8s-aws-v1.")
			if !ok {
				t.Fatalf("token %q", cred.Status.Token)
			}
			u, err := base64.RawURLEncoding.DecodeString(raw)
			if err != nil {
				t.Fatal(err)
			}
			pu, err := url.Parse(string(u))
			if err != nil || pu.Host != "sts."+tc.region+".amazonaws.com" {
				t.Fatalf("URL host %q: %v", pu.Host, err)
			}
			req, _ := http.NewRequest(http.MethodGet, string(u), nil)
			req.Header.Set("x-k8s-aws-id", "demo-cluster")
			a, err := verifyRequest(req, nil, testSecret, "sts", now)
			if err != nil {
				t.Fatalf("%v (%s)", err, explanation(err))
			}
			if a.Form != FormPresigned || a.SecurityToken != tc.token || a.Scope.Region != tc.region || !a.HasExpires || a.Expires != 60*time.Second {
				t.Fatalf("parsed %v", a)
			}
			// STS honours the token for 15 minutes whatever X-Amz-Expires
			// says (60 s here), and not after.
			if _, err := verifyRequest(req, nil, testSecret, "sts", a.Time.Add(14*time.Minute)); err != nil {
				t.Fatalf("after 14 minutes: %v", err)
			}
			if _, err := verifyRequest(req, nil, testSecret, "sts", a.Time.Add(16*time.Minute)); !strings.HasPrefix(errMessage(err), "Signature expired: ") {
				t.Fatalf("after 16 minutes: %v", err)
			}
			req.Header.Set("x-k8s-aws-id", "other-cluster")
			if _, err := verifyRequest(req, nil, testSecret, "sts", now); errCode(err) != "SignatureDoesNotMatch" {
				t.Fatalf("token replayed for another cluster: %v", err)
			}
		})
	}
}
