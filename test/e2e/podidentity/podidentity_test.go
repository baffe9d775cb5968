package podidentity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

const (
	account  = "123456789012"
	cluster  = "e2e"
	region   = "us-west-2"
	role     = "pod-identity-test"
	audience = "pods.eks.amazonaws.com"
)

type key struct{ ID, Secret string }

var (
	// The demo world's account-one root key and UserOne's key (for the
	// node: the agent's own credentials).
	root = key{"AKIABZPUZDIKL4ESABC6", "S9bQCm8KiBEzkptojzwBTtd7Kyi0Fud8QjCQ2714"}
	node = key{"AKIABZPUZDIKD2OVTLM3", "61fD8WtSvO3zn90IZB0bXec1CQ29gbEHzRLHvB01"}
)

var (
	kube  *testbed.Cluster
	edge  *proc // trustbridge serve
	agent *proc // trustbridge agent
	// agentURL is the agent's credentials endpoint.
	agentURL string
	scratch  string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if scratch, err = os.MkdirTemp("", "podidentity"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(scratch)
	if kube, err = testbed.StartCluster(ctx, testbed.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "start cluster:", err)
		return 1
	}
	defer kube.Close()
	bin, err := buildTrustbridge()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	wpath := filepath.Join(scratch, "world.yaml")
	if err := os.WriteFile(wpath, []byte(world()), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	edge, err = start(bin, nil, "serve", "--addr", "127.0.0.1:0", "--data-dir", ":memory:", "--world", wpath, "--explain-errors", "--log-format", "text")
	if edge != nil {
		defer edge.stop()
	}
	if err == nil {
		err = edge.waitFor(regexp.MustCompile(`trustbridge listening on (http://127\.0\.0\.1:[0-9]+)`))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "start trustbridge:", err)
		return 1
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testbed.FreePort())
	agentURL = "http://" + addr + "/v1/credentials"
	agent, err = start(bin, []string{"AWS_ACCESS_KEY_ID=" + node.ID, "AWS_SECRET_ACCESS_KEY=" + node.Secret, "AWS_REGION=" + region},
		"agent", "--cluster", cluster, "--endpoint", edge.url, "--addr", addr, "--log-format", "text", "--log-level", "debug")
	if agent != nil {
		defer agent.stop()
	}
	if err == nil {
		err = waitListening(addr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "start agent:", err, agent.out.String())
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "----- trustbridge log -----\n"+edge.out.String())
		fmt.Fprintln(os.Stderr, "----- agent log -----\n"+agent.out.String())
		fmt.Fprintln(os.Stderr, kube.DiagnosticLogs())
	}
	return code
}

// world: seed 003's pod-identity-test role trusting pods.eks.amazonaws.com,
// with an ABAC policy that lets sessions of pods in namespace pod-id read
// IAM roles and nobody else; the node's user may call EKS Auth.
func world() string {
	return fmt.Sprintf(`region: %[2]s
accounts:
  - id: "%[1]s"
    root: {accessKeyId: %[3]s, secretAccessKey: %[4]s}
    users:
      - name: node
        accessKeys: [{accessKeyId: %[5]s, secretAccessKey: %[6]s}]
        policies:
          eks-auth: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "eks-auth:AssumeRoleForPodIdentity", Resource: "*"}]}
    roles:
      - name: %[7]s
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Service: pods.eks.amazonaws.com}
              Action: [sts:AssumeRole, sts:TagSession]
        policies:
          abac:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: iam:GetRole
                Resource: "*"
                Condition: {StringEquals: {"aws:PrincipalTag/kubernetes-namespace": pod-id}}
clusters:
  - name: %[8]s
    account: "%[1]s"
    region: %[2]s
    oidcIssuer: %[9]s
    oidcIssuerCAFile: %[10]s
`, account, region, root.ID, root.Secret, node.ID, node.Secret, role, cluster, kube.IssuerURL, kube.CAFile)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type proc struct {
	cmd *exec.Cmd
	out *syncBuffer
	url string
}

func start(bin string, env []string, args ...string) (*proc, error) {
	p := &proc{out: &syncBuffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append([]string{"HOME=" + scratch, "PATH=" + os.Getenv("PATH")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	return p, p.cmd.Start()
}

func (p *proc) waitFor(re *regexp.Regexp) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			p.url = m[1]
			return waitHTTP(p.url + "/readyz")
		}
	}
	return fmt.Errorf("no %s in:\n%s", re, p.out.String())
}

func (p *proc) stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// waitListening waits until addr accepts connections (the agent has no
// health endpoint: every path but /v1/credentials is a 404).
func waitListening(addr string) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("%s is not listening", addr)
}

func waitHTTP(url string) error {
	c := &http.Client{Timeout: time.Second}
	var last error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
	}
	return fmt.Errorf("%s: %v", url, last)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func buildTrustbridge() (string, error) {
	buildOnce.Do(func() {
		binPath = filepath.Join(scratch, "trustbridge")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/trustbridge")
		cmd.Dir = testbed.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build trustbridge: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// podEnv is what the webhook injects into a Pod with an association, with
// the projected token written to a file by the test (there is no kubelet).
func podEnv(t *testing.T, ns, sa, aud string) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, ns, sa, nil); err != nil {
		t.Fatal(err)
	}
	tok := podToken(t, ns, sa, aud)
	home := t.TempDir()
	file := filepath.Join(home, "eks-pod-identity-token")
	if err := os.WriteFile(file, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_DEFAULT_REGION=" + region, "AWS_REGION=" + region,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=" + edge.url,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + agentURL, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + file}
}

func runCmd(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

func mustRun(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runCmd(env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func rootEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_DEFAULT_REGION=" + region,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_ENDPOINT_URL=" + edge.url, "AWS_ACCESS_KEY_ID=" + root.ID, "AWS_SECRET_ACCESS_KEY=" + root.Secret}
}

func associate(t *testing.T, ns, sa string) {
	t.Helper()
	mustRun(t, rootEnv(t), "aws", "eks", "create-pod-identity-association", "--cluster-name", cluster,
		"--namespace", ns, "--service-account", sa, "--role-arn", "arn:aws:iam::"+account+":role/"+role)
}

var assumedPrefix = "arn:aws:sts::" + account + ":assumed-role/" + role + "/"

// TestSeed003PodIdentity: seed 003's Pod Identity section. The association
// is made with the AWS CLI; the Pod's token goes to the agent through the
// SDKs' container-credentials provider; the AWS CLI, boto3 and the Go SDK
// v2 all end up as the role's session. The same ServiceAccount name in the
// default namespace has no association and gets nothing.
func TestSeed003PodIdentity(t *testing.T) {
	associate(t, "pod-id", "pod-identity")
	env := podEnv(t, "pod-id", "pod-identity", audience)

	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(mustRun(t, env, "aws", "sts", "get-caller-identity", "--output", "json")), &id); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id.Arn, assumedPrefix) {
		t.Fatalf("AWS CLI caller %s, want %s...", id.Arn, assumedPrefix)
	}
	// ABAC on the session tags: namespace pod-id may read roles.
	mustRun(t, env, "aws", "iam", "get-role", "--role-name", role)

	out := mustRun(t, env, "python3", "-c", `import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])`)
	if !strings.HasPrefix(strings.TrimSpace(out), assumedPrefix) {
		t.Fatalf("boto3 caller %s", out)
	}

	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(edge.url) }).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("Go SDK v2: %v", err)
	}
	if !strings.HasPrefix(aws.ToString(got.Arn), assumedPrefix) {
		t.Fatalf("Go SDK caller %s", aws.ToString(got.Arn))
	}

	// Seed 003: the same ServiceAccount name in default has no association.
	denv := podEnv(t, "default", "pod-identity", audience)
	if out, err := runCmd(denv, "aws", "sts", "get-caller-identity"); err == nil {
		t.Fatalf("default/pod-identity got credentials:\n%s", out)
	}
}

// TestSessionTagsABAC: the same role associated with a ServiceAccount of
// another namespace works, but its session's kubernetes-namespace tag does
// not satisfy the role policy's condition.
func TestSessionTagsABAC(t *testing.T) {
	associate(t, "other-team", "pod-identity")
	env := podEnv(t, "other-team", "pod-identity", audience)
	mustRun(t, env, "aws", "sts", "get-caller-identity")
	out, err := runCmd(env, "aws", "iam", "get-role", "--role-name", role)
	if err == nil || !strings.Contains(out, "AccessDenied") || !strings.Contains(out, "kubernetes-namespace") {
		t.Fatalf("other-team reading roles: err %v\n%s", err, out)
	}
}

// TestAgentRejects: what the agent refuses, with a status a client can act
// on and a clear text body.
func TestAgentRejects(t *testing.T) {
	associate(t, "reject", "app")
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, "reject", "app", nil); err != nil {
		t.Fatal(err)
	}
	stsToken := podToken(t, "reject", "app", "sts.amazonaws.com")
	good := podToken(t, "reject", "app", audience)
	unbound, err := kube.CreateToken(ctx, "reject", "app", []string{audience}, 3600)
	if err != nil {
		t.Fatal(err)
	}
	get := func(token, host string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, agentURL, nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(good, ""); code != 200 || !strings.Contains(body, `"AccessKeyId"`) || !strings.Contains(body, `"AccountId":"`+account+`"`) {
		t.Fatalf("control: %d %s", code, body)
	}
	for name, c := range map[string]struct{ token, host string }{
		"wrong audience": {stsToken, ""},
		"no token":       {"", ""},
		"garbage token":  {"not-a-jwt", ""},
		"wrong Host":     {good, "evil.example.com"},
		"tampered token": {good[:len(good)-4] + "AAAA", ""},
		"no association": {mustToken(t, "default", "nobody"), ""},
		"not pod-bound":  {unbound, ""},
	} {
		code, body := get(c.token, c.host)
		if code < 400 || code >= 500 || strings.Contains(body, "AccessKeyId") || strings.TrimSpace(body) == "" {
			t.Errorf("%s: %d %q, want a 4xx with a reason", name, code, body)
		}
	}
}

func mustToken(t *testing.T, ns, sa string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, ns, sa, nil); err != nil {
		t.Fatal(err)
	}
	return podToken(t, ns, sa, audience)
}

// podToken returns the token the kubelet would project into a Pod of
// ns/sa: TokenRequest bound to a Pod object (stored, never run), which
// is what Pod Identity requires, as on EKS.
func podToken(t *testing.T, ns, sa, aud string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, ns, sa, nil); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s-%d", sa, podSeq.Add(1))
	var pod *corev1.Pod
	var err error
	for i := 0; i < 50; i++ {
		pod, err = kube.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"eks.amazonaws.com/skip-pod-identity-webhook": "true"}},
			Spec:       corev1.PodSpec{ServiceAccountName: sa, Containers: []corev1.Container{{Name: "app", Image: "amazon/aws-cli"}}},
		}, metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "serviceaccount") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	exp := int64(3600)
	tr, err := kube.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences: []string{aud}, ExpirationSeconds: &exp,
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

var podSeq atomic.Int64
