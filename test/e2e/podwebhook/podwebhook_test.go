package podwebhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

const (
	account = "123456789012"
	cluster = "e2e"
	region  = "us-west-2"
	// The root key of the demo world's account one (the key ID encodes the
	// account).
	rootID     = "AKIABZPUZDIKL4ESABC6"
	rootSecret = "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"
)

var (
	kube *testbed.Cluster
	tb   *server
)

func TestMain(m *testing.M) {
	code := run(m)
	os.Exit(code)
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	kube, err = testbed.StartCluster(ctx, testbed.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start cluster:", err)
		return 1
	}
	defer kube.Close()
	tb, err = startServer(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start trustbridge:", err)
		if tb != nil {
			fmt.Fprintln(os.Stderr, tb.out.String())
			tb.stop()
		}
		return 1
	}
	defer tb.stop()
	if err := register(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "register webhook:", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "----- trustbridge log -----\n"+tb.out.String())
		fmt.Fprintln(os.Stderr, kube.DiagnosticLogs())
	}
	return code
}

// server is `trustbridge serve --webhook-addr ...` as a subprocess.
type server struct {
	URL        string // edge
	WebhookURL string
	CAPEM      []byte
	dir        string
	cmd        *exec.Cmd
	out        *testbed.SyncBuffer
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

func world(issuer, caFile string) string {
	host := strings.TrimPrefix(issuer, "https://")
	return fmt.Sprintf(`region: %[4]s
accounts:
  - id: "%[1]s"
    root: {accessKeyId: %[5]s, secretAccessKey: %[6]s}
    roles:
      - name: irsa-app
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: "arn:aws:iam::%[1]s:oidc-provider/%[2]s"}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "%[2]s:aud": sts.amazonaws.com
                  "%[2]s:sub": system:serviceaccount:irsa:app
      - name: pod-identity-app
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Service: pods.eks.amazonaws.com}
              Action: [sts:AssumeRole, sts:TagSession]
    oidcProviders:
      - url: %[7]s
        clientIDs: [sts.amazonaws.com]
        caFile: %[3]s
clusters:
  - name: %[8]s
    account: "%[1]s"
    region: %[4]s
    oidcIssuer: %[7]s
    oidcIssuerCAFile: %[3]s
`, account, host, caFile, region, rootID, rootSecret, issuer, cluster)
}

var listeningRE = regexp.MustCompile(`trustbridge listening on (http://127\.0\.0\.1:[0-9]+)`)

func startServer(ctx context.Context) (*server, error) {
	bin, err := testbed.Build()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "podwebhook")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, out: &testbed.SyncBuffer{}}
	wpath := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(wpath, []byte(world(kube.IssuerURL, kube.CAFile)), 0o600); err != nil {
		return s, err
	}
	edgePort, hookPort := testbed.FreePort(), testbed.FreePort()
	edge := fmt.Sprintf("http://127.0.0.1:%d", edgePort)
	s.cmd = exec.Command(bin, "serve",
		"--addr", fmt.Sprintf("127.0.0.1:%d", edgePort),
		"--data-dir", ":memory:",
		"--world", wpath,
		"--webhook-addr", fmt.Sprintf("127.0.0.1:%d", hookPort),
		"--cluster", cluster, "--region", region,
		"--self-signed", filepath.Join(dir, "tls"),
		"--kubeconfig", kube.Kubeconfig,
		"--inject-endpoint", edge,
		"--pod-identity-credentials-uri", "http://127.0.0.1:2703/v1/credentials",
		"--log-level", "debug", "--log-format", "text")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	testbed.LogProcess(nil, "serve", s.cmd)
	if err := s.cmd.Start(); err != nil {
		return s, err
	}
	s.WebhookURL = fmt.Sprintf("https://127.0.0.1:%d", hookPort)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(s.out.String()); m != nil && s.URL == "" {
			s.URL = m[1]
		}
		if s.CAPEM == nil {
			if b, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt")); err == nil && len(b) > 0 {
				s.CAPEM = b
			}
		}
		if s.URL != "" && s.CAPEM != nil {
			if err := healthz(s); err == nil {
				return s, nil
			}
		}
		if s.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s, fmt.Errorf("trustbridge did not become ready:\n%s", s.out.String())
}

func healthz(s *server) error {
	pool := x509Pool(s.CAPEM)
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig(pool)}}
	resp, err := c.Get(s.WebhookURL + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("healthz %d", resp.StatusCode)
	}
	return nil
}

// register creates the MutatingWebhookConfiguration the way docs/webhook.md
// shows it: pods on CREATE, failurePolicy Ignore, the skip label excluded.
func register(ctx context.Context) error {
	ignore := admissionregistrationv1.Ignore
	none := admissionregistrationv1.SideEffectClassNone
	url := tb.WebhookURL + "/mutate"
	timeout := int32(10)
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "trustbridge"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "pod-identity-webhook.trustbridge.dev",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: tb.CAPEM},
			Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			FailurePolicy:           &ignore,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			TimeoutSeconds:          &timeout,
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "eks.amazonaws.com/skip-pod-identity-webhook", Operator: metav1.LabelSelectorOpDoesNotExist,
			}}},
		}},
	}
	_, err := kube.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{})
	return err
}

func pod(ns, name, sa string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			ServiceAccountName: sa,
			InitContainers:     []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers: []corev1.Container{
				{Name: "app", Image: "amazon/aws-cli", Env: []corev1.EnvVar{{Name: "KEEP", Value: "me"}}},
				{Name: "sidecar", Image: "busybox"},
			},
		},
	}
}

// createPod creates a Pod, retrying while the namespace's ServiceAccount
// admission plugin has not seen a just-created ServiceAccount.
func createPod(t *testing.T, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	var err error
	for i := 0; i < 50; i++ {
		var got *corev1.Pod
		got, err = kube.Client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
		if err == nil {
			return got
		}
		if !strings.Contains(err.Error(), "serviceaccount") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("create pod %s/%s: %v", p.Namespace, p.Name, err)
	return nil
}

func env(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

func envNames(c corev1.Container) []string {
	var n []string
	for _, e := range c.Env {
		n = append(n, e.Name)
	}
	return n
}

func volume(p *corev1.Pod, name string) *corev1.Volume {
	for i := range p.Spec.Volumes {
		if p.Spec.Volumes[i].Name == name {
			return &p.Spec.Volumes[i]
		}
	}
	return nil
}

func mount(c corev1.Container, name string) *corev1.VolumeMount {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].Name == name {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

const roleARN = "arn:aws:iam::" + account + ":role/irsa-app"

// TestIRSAInjection: a ServiceAccount annotated with a role gets its Pods
// mutated exactly as the EKS webhook does, for every container and init
// container; the variables already in a container stay.
func TestIRSAInjection(t *testing.T) {
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, "irsa", "app", map[string]string{
		"eks.amazonaws.com/role-arn":               roleARN,
		"eks.amazonaws.com/sts-regional-endpoints": "true",
		"eks.amazonaws.com/token-expiration":       "3600",
	}); err != nil {
		t.Fatal(err)
	}
	got := createPod(t, pod("irsa", "app", "app", nil))
	vol := volume(got, "aws-iam-token")
	if vol == nil || vol.Projected == nil || len(vol.Projected.Sources) != 1 || vol.Projected.Sources[0].ServiceAccountToken == nil {
		t.Fatalf("no aws-iam-token projected volume: %+v", got.Spec.Volumes)
	}
	src := vol.Projected.Sources[0].ServiceAccountToken
	if src.Audience != "sts.amazonaws.com" || src.ExpirationSeconds == nil || *src.ExpirationSeconds != 3600 || src.Path != "token" {
		t.Fatalf("token source %+v", src)
	}
	all := append(append([]corev1.Container{}, got.Spec.InitContainers...), got.Spec.Containers...)
	for _, c := range all {
		e := env(c)
		want := map[string]string{
			"AWS_STS_REGIONAL_ENDPOINTS":  "regional",
			"AWS_ROLE_ARN":                roleARN,
			"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
			"AWS_ENDPOINT_URL_STS":        tb.URL,
		}
		for k, v := range want {
			if e[k] != v {
				t.Errorf("container %s: %s = %q, want %q (env %v)", c.Name, k, e[k], v, envNames(c))
			}
		}
		m := mount(c, "aws-iam-token")
		if m == nil || m.MountPath != "/var/run/secrets/eks.amazonaws.com/serviceaccount" || !m.ReadOnly {
			t.Errorf("container %s: mount %+v", c.Name, m)
		}
	}
	if e := env(got.Spec.Containers[0]); e["KEEP"] != "me" {
		t.Errorf("existing variable lost: %v", envNames(got.Spec.Containers[0]))
	}
	// The EKS webhook's order: regional endpoints, then role and token file.
	names := strings.Join(envNames(got.Spec.Containers[1]), ",")
	if i, j := strings.Index(names, "AWS_STS_REGIONAL_ENDPOINTS"), strings.Index(names, "AWS_ROLE_ARN"); i < 0 || j < i {
		t.Errorf("env order %s", names)
	}

	// The whole IRSA chain: the token the kubelet would project (same
	// audience and lifetime, from TokenRequest), the injected variables,
	// the AWS CLI, trustbridge's STS.
	token, err := kube.CreateToken(ctx, "irsa", "app", []string{src.Audience}, *src.ExpirationSeconds)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	e := env(got.Spec.Containers[0])
	out := awsCLI(t, []string{
		"AWS_ROLE_ARN=" + e["AWS_ROLE_ARN"],
		"AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile,
		"AWS_STS_REGIONAL_ENDPOINTS=" + e["AWS_STS_REGIONAL_ENDPOINTS"],
		"AWS_ENDPOINT_URL_STS=" + e["AWS_ENDPOINT_URL_STS"],
		"AWS_ROLE_SESSION_NAME=pod-app",
	}, "sts", "get-caller-identity")
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := "arn:aws:sts::" + account + ":assumed-role/irsa-app/pod-app"; id.Arn != want {
		t.Fatalf("caller %s, want %s", id.Arn, want)
	}
}

// TestServiceAccountCreatedWithThePod: a Pod created in the same instant as
// its ServiceAccount is still mutated (the informer misses it; the direct
// lookup with a grace period finds it).
func TestServiceAccountCreatedWithThePod(t *testing.T) {
	ctx := context.Background()
	if err := kube.EnsureNamespace(ctx, "race"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("fast-%d", i)
		var wg sync.WaitGroup
		var saErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, saErr = kube.Client.CoreV1().ServiceAccounts("race").Create(ctx, &corev1.ServiceAccount{
				ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"eks.amazonaws.com/role-arn": roleARN}},
			}, metav1.CreateOptions{})
		}()
		p := createPod(t, pod("race", name, name, nil))
		wg.Wait()
		if saErr != nil {
			t.Fatal(saErr)
		}
		if volume(p, "aws-iam-token") == nil || env(p.Spec.Containers[0])["AWS_ROLE_ARN"] != roleARN {
			t.Fatalf("pod %s created with its ServiceAccount was not mutated: env %v", name, envNames(p.Spec.Containers[0]))
		}
	}
}

// TestSkipLabelAndPlainServiceAccount: the skip label keeps the webhook
// away (objectSelector), and a ServiceAccount without a role or an
// association leaves the Pod unchanged.
func TestSkipLabelAndPlainServiceAccount(t *testing.T) {
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, "irsa", "app", map[string]string{"eks.amazonaws.com/role-arn": roleARN}); err != nil {
		t.Fatal(err)
	}
	p := createPod(t, pod("irsa", "skipped", "app", map[string]string{"eks.amazonaws.com/skip-pod-identity-webhook": "true"}))
	if volume(p, "aws-iam-token") != nil || env(p.Spec.Containers[0])["AWS_ROLE_ARN"] != "" {
		t.Fatal("a pod with the skip label was mutated")
	}
	if _, err := kube.EnsureServiceAccount(ctx, "plain", "nobody", nil); err != nil {
		t.Fatal(err)
	}
	p = createPod(t, pod("plain", "plain", "nobody", nil))
	if len(p.Spec.Volumes) > 1 || env(p.Spec.Containers[0])["AWS_ROLE_ARN"] != "" || env(p.Spec.Containers[0])["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != "" {
		t.Fatalf("a pod of a plain ServiceAccount was mutated: %v", envNames(p.Spec.Containers[0]))
	}
}

// TestPodIdentityInjection: an association made with `aws eks
// create-pod-identity-association` against trustbridge makes the webhook
// inject the container-credentials variables and the eks-pod-identity-token
// volume, and it wins over an IRSA annotation, as on EKS.
func TestPodIdentityInjection(t *testing.T) {
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, "pod-id", "pod-identity", map[string]string{"eks.amazonaws.com/role-arn": roleARN}); err != nil {
		t.Fatal(err)
	}
	awsCLI(t, rootEnv(), "eks", "create-pod-identity-association", "--cluster-name", cluster,
		"--namespace", "pod-id", "--service-account", "pod-identity",
		"--role-arn", "arn:aws:iam::"+account+":role/pod-identity-app")
	p := createPod(t, pod("pod-id", "app", "pod-identity", nil))
	vol := volume(p, "eks-pod-identity-token")
	if vol == nil || vol.Projected == nil || vol.Projected.Sources[0].ServiceAccountToken == nil || vol.Projected.Sources[0].ServiceAccountToken.Audience != "pods.eks.amazonaws.com" {
		t.Fatalf("no eks-pod-identity-token volume: %+v", p.Spec.Volumes)
	}
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		e := env(c)
		if e["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != "http://127.0.0.1:2703/v1/credentials" ||
			e["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] != "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token" {
			t.Errorf("container %s: env %v", c.Name, e)
		}
		if e["AWS_ROLE_ARN"] != "" {
			t.Errorf("container %s: IRSA injected next to Pod Identity", c.Name)
		}
		if mount(c, "eks-pod-identity-token") == nil {
			t.Errorf("container %s: no token mount", c.Name)
		}
	}
}

func rootEnv() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + rootID, "AWS_SECRET_ACCESS_KEY=" + rootSecret}
}

// awsCLI runs the installed AWS CLI against trustbridge with a clean
// environment and returns its standard output.
func awsCLI(t *testing.T, extra []string, args ...string) string {
	t.Helper()
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_ENDPOINT_URL=" + tb.URL,
		"AWS_DEFAULT_REGION=" + region, "AWS_REGION=" + region, "AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(args, "--output", "json")...)
	cmd.Env = append(env, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func x509Pool(pem []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pem)
	return p
}

func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// TestStandaloneWebhookCommand runs `trustbridge webhook` (not serve) over
// its own SQLite data directory with the same world file, reading the real
// kube-apiserver through --kubeconfig, and sends it an AdmissionReview as
// the API server would: the Pod of the annotated ServiceAccount comes back
// with the IRSA JSONPatch, UID and apiVersion echoed.
func TestStandaloneWebhookCommand(t *testing.T) {
	ctx := context.Background()
	if _, err := kube.EnsureServiceAccount(ctx, "irsa", "app", map[string]string{"eks.amazonaws.com/role-arn": roleARN}); err != nil {
		t.Fatal(err)
	}
	bin, err := testbed.Build()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := testbed.FreePort()
	out := &testbed.SyncBuffer{}
	cmd := exec.Command(bin, "webhook",
		"--addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--data-dir", filepath.Join(dir, "data"),
		"--world", filepath.Join(tb.dir, "world.yaml"),
		"--cluster", "arn:aws:eks:"+region+":"+account+":cluster/"+cluster,
		"--self-signed", filepath.Join(dir, "tls"),
		"--kubeconfig", kube.Kubeconfig,
		"--log-format", "text")
	cmd.Stdout, cmd.Stderr = out, out
	testbed.LogProcess(t, "webhook", cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Log(out.String())
		}
	})
	var ca []byte
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if strings.Contains(out.String(), "trustbridge webhook listening on") {
			if ca, err = os.ReadFile(filepath.Join(dir, "tls", "ca.crt")); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook not ready:\n%s", out.String())
		}
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig(x509Pool(ca))}}
	review := `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"e2e-standalone","kind":{"group":"","version":"v1","kind":"Pod"},` +
		`"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"irsa","operation":"CREATE",` +
		`"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"serviceAccountName":"app","containers":[{"name":"c","image":"i"}]}}}}`
	resp, err := c.Post(fmt.Sprintf("https://127.0.0.1:%d/mutate", port), "application/json", strings.NewReader(review))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		APIVersion string `json:"apiVersion"`
		Response   struct {
			UID     string `json:"uid"`
			Allowed bool   `json:"allowed"`
			Patch   []byte `json:"patch"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if got.APIVersion != "admission.k8s.io/v1beta1" || got.Response.UID != "e2e-standalone" || !got.Response.Allowed ||
		!strings.Contains(string(got.Response.Patch), `"AWS_ROLE_ARN","value":"`+roleARN+`"`) {
		t.Fatalf("answer %+v patch %s", got, got.Response.Patch)
	}
}
