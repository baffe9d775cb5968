package clusteraccess

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// Seed 003's cluster, account and users (the demo world's keys: their IDs
// encode the account).
const (
	account     = "123456789012"
	clusterName = "aws-eks-auth-test"
	region      = "us-west-2"
)

type key struct{ ID, Secret string }

var (
	root      = key{"AKIABZPUZDIKL4ESABC6", "S9bQCm8KiBEzkptojzwBTtd7Kyi0Fud8QjCQ2714"}
	userOne   = key{"AKIABZPUZDIKD2OVTLM3", "61fD8WtSvO3zn90IZB0bXec1CQ29gbEHzRLHvB01"}
	userTwo   = key{"AKIABZPUZDIKOZGJLZPB", "sLDqMjP9NwlHiYf562z322e8MK2oZRGQ2YVGs4M6"}
	userThree = key{"AKIABZPUZDIKJ64JHT5E", "MuhBGXefwNDV26JlMpQQpyxsBfMv1xMd3dQvOtHu"}
)

var (
	kube *testbed.Cluster
	tb   *server
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts the cluster with trustbridge as its webhook token
// authenticator and authorizer (the webhook's port and certificate are
// chosen first: the apiserver reads them at start), then trustbridge.
func run(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "clusteraccess")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ca, err := testbed.NewCA("trustbridge-webhook-ca")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cert, keyFile, err := ca.WriteServingCert(dir, "webhook", "127.0.0.1", "localhost")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	hook := fmt.Sprintf("127.0.0.1:%d", testbed.FreePort())
	kube, err = testbed.StartCluster(ctx, testbed.Options{
		AuthenticationWebhook: &testbed.Webhook{URL: "https://" + hook + "/authenticate", CAPEM: ca.CertPEM},
		AuthorizationWebhook:  &testbed.Webhook{URL: "https://" + hook + "/authorize", CAPEM: ca.CertPEM},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start cluster:", err)
		return 1
	}
	defer kube.Close()
	if err := seedCluster(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seed cluster:", err)
		return 1
	}
	tb, err = startServer(dir, hook, cert, keyFile)
	if tb != nil {
		defer tb.stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "start trustbridge:", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "----- trustbridge log -----\n"+tb.out.String())
		fmt.Fprintln(os.Stderr, kube.DiagnosticLogs())
	}
	return code
}

// seedCluster creates seed 003's aws-auth ConfigMap (read live by
// trustbridge through its kubeconfig) and the Role UserTwo's group is bound
// to in the default namespace.
func seedCluster(ctx context.Context) error {
	if err := kube.EnsureNamespace(ctx, "kube-system"); err != nil {
		return err
	}
	_, err := kube.Client.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-auth", Namespace: "kube-system"},
		Data: map[string]string{
			"mapUsers": `- userarn: arn:aws:iam::` + account + `:user/UserOne
  username: UserOne
  groups: [system:masters]
- userarn: arn:aws:iam::` + account + `:user/UserTwo
  username: UserTwo
  groups: [eks-default]
`,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	_, err = kube.Client.RbacV1().Roles("default").Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "default"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	_, err = kube.Client.RbacV1().RoleBindings("default").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "eks-default-pod-reader", Namespace: "default"},
		Subjects:   []rbacv1.Subject{{Kind: "Group", Name: "eks-default", APIGroup: "rbac.authorization.k8s.io"}},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "pod-reader", APIGroup: "rbac.authorization.k8s.io"},
	}, metav1.CreateOptions{})
	return err
}

type server struct {
	URL string
	Bin string
	cmd *exec.Cmd
	out *testbed.SyncBuffer
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

var listeningRE = regexp.MustCompile(`trustbridge listening on (http://127\.0\.0\.1:[0-9]+)`)

func startServer(dir, hook, cert, keyFile string) (*server, error) {
	bin, err := testbed.Build()
	if err != nil {
		return nil, err
	}
	world := fmt.Sprintf(`region: %[2]s
accounts:
  - id: "%[1]s"
    alias: account-one
    root: {accessKeyId: %[5]s, secretAccessKey: %[6]s}
    policies:
      - name: eks-users
        document:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Action: [eks:DescribeCluster, eks:ListClusters], Resource: "*"}
    users:
      - name: UserOne
        accessKeys: [{accessKeyId: %[7]s, secretAccessKey: %[8]s}]
        managedPolicies: [arn:aws:iam::%[1]s:policy/eks-users]
      - name: UserTwo
        accessKeys: [{accessKeyId: %[9]s, secretAccessKey: %[10]s}]
        managedPolicies: [arn:aws:iam::%[1]s:policy/eks-users]
      - name: UserThree
        accessKeys: [{accessKeyId: %[11]s, secretAccessKey: %[12]s}]
        managedPolicies: [arn:aws:iam::%[1]s:policy/eks-users]
clusters:
  - name: %[13]s
    account: "%[1]s"
    region: %[2]s
    authenticationMode: API_AND_CONFIG_MAP
    endpoint: %[3]s
    certificateAuthorityFile: %[4]s
`, account, region, kube.URL, kube.CAFile, root.ID, root.Secret, userOne.ID, userOne.Secret, userTwo.ID, userTwo.Secret, userThree.ID, userThree.Secret, clusterName)
	wpath := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(wpath, []byte(world), 0o600); err != nil {
		return nil, err
	}
	s := &server{Bin: bin, out: &testbed.SyncBuffer{}}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", ":memory:", "--world", wpath,
		"--webhook-addr", hook, "--webhook-tls-cert", cert, "--webhook-tls-key", keyFile,
		"--cluster", clusterName, "--region", region, "--kubeconfig", kube.Kubeconfig,
		"--explain-errors", "--log-level", "debug", "--log-format", "text")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	testbed.LogProcess(nil, "serve", s.cmd)
	if err := s.cmd.Start(); err != nil {
		return s, err
	}
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := listeningRE.FindStringSubmatch(s.out.String()); m != nil {
			s.URL = m[1]
			if resp, err := client.Get(s.URL + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return s, nil
				}
			}
		}
	}
	return s, fmt.Errorf("not ready:\n%s", s.out.String())
}

// baseEnv is a clean environment for the AWS CLI and kubectl.
func baseEnv(t *testing.T, k key) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"AWS_DEFAULT_REGION=" + region, "AWS_REGION=" + region,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=" + k.ID, "AWS_SECRET_ACCESS_KEY=" + k.Secret}
}

func runCmd(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustAWS(t *testing.T, k key, args ...string) string {
	t.Helper()
	out, err := runCmd(t, append(baseEnv(t, k), "AWS_ENDPOINT_URL="+tb.URL), "aws", args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// kubeconfigFor writes a kubeconfig with `trustbridge update-kubeconfig`
// (server and CA from trustbridge's DescribeCluster) whose user runs
// `trustbridge get-token`.
func kubeconfigFor(t *testing.T, k key) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	out, err := runCmd(t, append(baseEnv(t, k), "AWS_ENDPOINT_URL="+tb.URL), tb.Bin, "update-kubeconfig", "--name", clusterName, "--region", region, "--kubeconfig", path)
	if err != nil {
		t.Fatalf("trustbridge update-kubeconfig: %v\n%s", err, out)
	}
	return path
}

// kubectl runs kubectl as k with kubeconfig; the exec plugin inherits k's
// credentials from the environment. AWS_ENDPOINT_URL is not set: tokens are
// signed for sts.REGION.amazonaws.com as on EKS.
func kubectl(t *testing.T, k key, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	return runCmd(t, append(baseEnv(t, k), "KUBECONFIG="+kubeconfig), testbed.KubectlPath(), args...)
}

func wantOK(t *testing.T, out string, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
}

func wantFail(t *testing.T, out string, err error, what, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(out+err.Error(), msg) {
		t.Fatalf("%s: want %q, got err %v:\n%s", what, msg, err, out)
	}
}

// TestSeed003Users reproduces seed 003's outcomes with trustbridge's own
// get-token: UserOne is a cluster admin through aws-auth, UserTwo reads
// pods in default through its group's Role, UserThree is unknown until an
// access entry with AmazonEKSViewPolicy scoped to two namespaces lets it
// read there and nothing more.
func TestSeed003Users(t *testing.T) {
	one := kubeconfigFor(t, userOne)
	out, err := kubectl(t, userOne, one, "get", "pods", "--all-namespaces")
	wantOK(t, out, err, "UserOne lists pods everywhere")
	out, err = kubectl(t, userOne, one, "auth", "can-i", "*", "*", "--all-namespaces")
	wantOK(t, out, err, "UserOne can do anything")

	two := kubeconfigFor(t, userTwo)
	out, err = kubectl(t, userTwo, two, "get", "pods", "-n", "default")
	wantOK(t, out, err, "UserTwo lists pods in default")
	out, err = kubectl(t, userTwo, two, "get", "pods", "--all-namespaces")
	wantFail(t, out, err, "UserTwo lists pods cluster-wide", "Forbidden")

	three := kubeconfigFor(t, userThree)
	out, err = kubectl(t, userThree, three, "get", "pods", "-n", "default")
	wantFail(t, out, err, "unmapped UserThree", "You must be logged in to the server") // 401; with an exec plugin kubectl words it "the server has asked for the client to provide credentials"
	// The rejection is logged with a request ID under which `trustbridge
	// explain` tells why and what to do.
	id := rejectionID(t, "arn:aws:iam::"+account+":user/UserThree")
	out, err = runCmd(t, baseEnv(t, root), tb.Bin, "explain", id, "--endpoint", tb.URL)
	wantOK(t, out, err, "trustbridge explain "+id)
	t.Logf("trustbridge explain %s:\n%s", id, out)
	for _, want := range []string{"not-mapped", "UserThree", "create-access-entry"} {
		if !strings.Contains(out, want) {
			t.Errorf("trustbridge explain %s lacks %q:\n%s", id, want, out)
		}
	}

	mustAWS(t, root, "eks", "create-access-entry", "--cluster-name", clusterName, "--principal-arn", "arn:aws:iam::"+account+":user/UserThree")
	mustAWS(t, root, "eks", "associate-access-policy", "--cluster-name", clusterName,
		"--principal-arn", "arn:aws:iam::"+account+":user/UserThree",
		"--policy-arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
		"--access-scope", "type=namespace,namespaces=default,kube-system")
	// The webhook reads access entries through the shared store; allow the
	// cache a moment.
	for i := 0; ; i++ {
		out, err = kubectl(t, userThree, three, "get", "pods", "-n", "default")
		if err == nil || i == 20 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	wantOK(t, out, err, "UserThree with an access entry lists pods in default")
	out, err = kubectl(t, userThree, three, "get", "pods", "-n", "kube-system")
	wantOK(t, out, err, "UserThree lists pods in kube-system")
	out, err = kubectl(t, userThree, three, "get", "pods", "-n", "other")
	wantFail(t, out, err, "UserThree outside its scope", "Forbidden")
	out, err = kubectl(t, userThree, three, "run", "nope", "--image=busybox", "-n", "default")
	wantFail(t, out, err, "UserThree creates a pod", "Forbidden")
}

var rejectedRE = regexp.MustCompile(`request_id=(\S+)`)

// rejectionID returns the request ID of the last "token rejected" log line
// of trustbridge naming arn as not mapped.
func rejectionID(t *testing.T, arn string) string {
	t.Helper()
	id := ""
	for _, line := range strings.Split(tb.out.String(), "\n") {
		if strings.Contains(line, `msg="token rejected"`) && strings.Contains(line, "arn="+arn) && strings.Contains(line, "reason=not-mapped") {
			if m := rejectedRE.FindStringSubmatch(line); m != nil {
				id = m[1]
			}
		}
	}
	if id == "" {
		t.Fatalf("no \"token rejected\" line with a request ID for %s in trustbridge's log", arn)
	}
	return id
}

// TestAWSCLIGetToken: the installed `aws eks update-kubeconfig` (DescribeCluster
// from trustbridge) and `aws eks get-token` work for a mapped user.
func TestAWSCLIGetToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	env := append(baseEnv(t, userOne), "AWS_ENDPOINT_URL="+tb.URL)
	out, err := runCmd(t, env, "aws", "eks", "update-kubeconfig", "--name", clusterName, "--kubeconfig", path)
	wantOK(t, out, err, "aws eks update-kubeconfig")
	out, err = kubectl(t, userOne, path, "get", "namespaces")
	wantOK(t, out, err, "kubectl with aws eks get-token")
}

// token returns a k8s-aws-v1 token presigned by k at when for host, with
// the cluster ID header; edit may change the presigned URL.
func token(t *testing.T, k key, cluster, host string, when time.Time, edit func(u *url.URL)) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+host+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-k8s-aws-id", cluster)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret},
		req, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", region, when)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(u)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u.String()))
}

// TestHostileTokens: tokens that must not authenticate.
func TestHostileTokens(t *testing.T) {
	host := "sts." + region + ".amazonaws.com"
	now := time.Now()
	good := token(t, userOne, clusterName, host, now, nil)
	if out, err := kube.KubectlAs(t, good, "get", "namespaces"); err != nil {
		t.Fatalf("control token refused: %v\n%s", err, out)
	}
	// Each is rejected (kubectl says Unauthorized) for the reason trustbridge
	// logs.
	for _, tc := range []struct {
		name    string
		tok     string
		reasons []string
	}{
		{"another cluster", token(t, userOne, "other-cluster", host, now, nil), []string{"signature"}},
		{"expired", token(t, userOne, clusterName, host, now.Add(-20*time.Minute), nil), []string{"expired"}},
		{"modified query", token(t, userOne, clusterName, host, now, func(u *url.URL) {
			u.RawQuery = strings.Replace(u.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=900", 1)
		}), []string{"signature"}},
		{"duplicated parameter", token(t, userOne, clusterName, host, now, func(u *url.URL) {
			u.RawQuery += "&Action=GetCallerIdentity"
		}), []string{"query"}},
		{"wrong host", token(t, userOne, clusterName, "sts.evil.example.com", now, nil), []string{"host"}},
		{"wrong secret", token(t, key{userOne.ID, "not-the-secret-not-the-secret-not-the-s"}, clusterName, host, now, nil), []string{"signature"}},
		{"not base64", "k8s-aws-v1.%%%", []string{"base64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(tb.out.String())
			out, err := kube.KubectlAs(t, tc.tok, "get", "namespaces")
			wantFail(t, out, err, tc.name, "Unauthorized")
			logged := tb.out.String()[before:]
			for _, r := range tc.reasons {
				if strings.Contains(logged, "reason="+r+" ") {
					return
				}
			}
			t.Errorf("no \"token rejected\" line with reason %v in trustbridge's log:\n%s", tc.reasons, logged)
		})
	}
}
