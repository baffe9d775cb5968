package kubeserver_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
	"github.com/trustbridge/trustbridge/internal/kubeserver"
	"github.com/trustbridge/trustbridge/internal/logtest"
)

const (
	demoCluster = "aws-eks-auth-test"
	irsaRole    = "arn:aws:iam::123456789012:role/irsa-app"
	podIDRole   = "arn:aws:iam::123456789012:role/pod-identity-test"
	edgeURL     = "http://trustbridge.trustbridge.svc:4566"
)

func serviceAccount(ns, name string, ann ...string) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{}}}
	for i := 0; i+1 < len(ann); i += 2 {
		sa.Annotations["eks.amazonaws.com/"+ann[i]] = ann[i+1]
	}
	return sa
}

// running is a kubeserver.Server serving HTTPS on loopback over the demo
// world, with a fake Kubernetes API holding a few ServiceAccounts.
type running struct {
	server  *kubeserver.Server
	url     string
	client  *http.Client
	logs    *logtest.Buffer
	gather  func() map[string]float64
	cancel  context.CancelFunc
	stopped chan error
}

func startRunning(tb testing.TB, edit func(*kubeserver.Config)) *running {
	tb.Helper()
	s := apptest.Start(tb, apptest.Options{})
	kube := fake.NewClientset(
		serviceAccount("irsa", "app", "role-arn", irsaRole, "sts-regional-endpoints", "true"),
		// Pod Identity (the demo world's association) wins over IRSA.
		serviceAccount("pod-id", "pod-identity", "role-arn", irsaRole),
		serviceAccount("plain", "nobody"),
		serviceAccount("bad", "exp-abc", "role-arn", irsaRole, "token-expiration", "abc"),
		serviceAccount("bad", "exp-neg", "role-arn", irsaRole, "token-expiration", "-5"),
	)
	logs := &logtest.Buffer{}
	cfg := kubeserver.Config{
		Addr: "127.0.0.1:0", SelfSignedDir: tb.TempDir(), Cluster: demoCluster, Client: kube,
		ServiceAccountGracePeriod: 50 * time.Millisecond, SyncTimeout: 10 * time.Second,
		Mutate: mutate.Config{InjectEndpoint: edgeURL},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	ks, err := kubeserver.New(context.Background(), s.App, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if !ks.HasKubernetesAPI() || ks.AWSAuthSource() != kubeserver.AWSAuthCluster || ks.CAFile() == "" {
		tb.Fatalf("api %v, source %s, ca %q", ks.HasKubernetesAPI(), ks.AWSAuthSource(), ks.CAFile())
	}
	caPEM, err := os.ReadFile(ks.CAFile())
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{server: ks, logs: logs, cancel: cancel, stopped: make(chan error, 1),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16,
		}},
		gather: func() map[string]float64 { return counters(tb, s) },
	}
	ready := make(chan net.Addr, 1)
	go func() { r.stopped <- ks.Run(ctx, func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		r.url = "https://" + a.String()
	case err := <-r.stopped:
		tb.Fatalf("Run: %v", err)
	case <-time.After(time.Minute):
		tb.Fatal("webhook server not ready in a minute")
	}
	tb.Cleanup(func() {
		cancel()
		<-r.stopped
		r.client.CloseIdleConnections()
	})
	return r
}

func counters(tb testing.TB, s *apptest.Server) map[string]float64 {
	tb.Helper()
	out := map[string]float64{}
	mfs, err := s.App.Metrics.Registry.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()+"{"+label(m)+"}"] += m.GetCounter().GetValue()
		}
	}
	return out
}

func (r *running) post(tb testing.TB, path, contentType string, body []byte) (int, []byte) {
	tb.Helper()
	resp, err := r.client.Post(r.url+path, contentType, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, out
}

// admissionReview is an AdmissionReview of apiVersion for a Pod (or, with
// kind set, another object) created in ns.
func admissionReview(apiVersion, uid, ns, kind, operation string, object string) []byte {
	resource := strings.ToLower(kind) + "s"
	return fmt.Appendf(nil, `{"apiVersion":%q,"kind":"AdmissionReview","request":{"uid":%q,"kind":{"group":"","version":"v1","kind":%q},`+
		`"resource":{"group":"","version":"v1","resource":%q},"namespace":%q,"operation":%q,"object":%s}}`,
		apiVersion, uid, kind, resource, ns, operation, object)
}

func podObject(sa string, containers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-"},"spec":{"serviceAccountName":%q,"containers":[`, sa)
	for i := range containers {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"c%d","image":"registry.example/app:1","env":[{"name":"KEEP","value":"me"}]}`, i)
	}
	b.WriteString(`]}}`)
	return b.String()
}

type answer struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		UID       string   `json:"uid"`
		Allowed   bool     `json:"allowed"`
		Patch     []byte   `json:"patch"`
		PatchType *string  `json:"patchType"`
		Warnings  []string `json:"warnings"`
		Result    *struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"status"`
	} `json:"response"`
}

// TestMutateOverHTTPS drives /mutate through the real HTTPS server with a
// Kubernetes API (fake clientset) and the demo world's store: IRSA
// injection from the ServiceAccount's annotations with the
// --inject-endpoint variable, Pod Identity from the store's association
// (taking precedence over IRSA), v1beta1 echoed, and bad input —
// malformed reviews, non-Pods, huge Pods, bad token-expiration values —
// answered without a crash, with a log line and the right metric.
func TestMutateOverHTTPS(t *testing.T) {
	r := startRunning(t, nil)
	const v1, v1beta1 = "admission.k8s.io/v1", "admission.k8s.io/v1beta1"
	huge := podObject("app", 3000) // ~300 KB, under the 4 MiB limit
	for _, tc := range []struct {
		name        string
		body        []byte
		contentType string
		wantStatus  int
		wantAPI     string
		wantPatch   []string // substrings of the decoded JSONPatch; nil: no patch
		noPatch     []string
		wantWarn    string
		wantLog     string
	}{
		{
			name: "irsa", body: admissionReview(v1, "u-irsa", "irsa", "Pod", "CREATE", podObject("app", 2)), wantStatus: 200, wantAPI: v1,
			wantPatch: []string{`"name":"AWS_STS_REGIONAL_ENDPOINTS","value":"regional"`, `"name":"AWS_ROLE_ARN","value":"` + irsaRole + `"`,
				`"name":"AWS_WEB_IDENTITY_TOKEN_FILE","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"`,
				`"name":"AWS_ENDPOINT_URL_STS","value":"` + edgeURL + `"`, `"name":"aws-iam-token"`, `"audience":"sts.amazonaws.com"`, `"expirationSeconds":86400`,
				`"/spec/containers/1/env/-"`},
			noPatch: []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI"},
			wantLog: "pod identity webhook: pod mutated",
		},
		{
			name: "irsa v1beta1 echoed", body: admissionReview(v1beta1, "u-beta", "irsa", "Pod", "CREATE", podObject("app", 1)), wantStatus: 200, wantAPI: v1beta1,
			wantPatch: []string{`"AWS_ROLE_ARN"`},
		},
		{
			name: "pod identity wins over irsa", body: admissionReview(v1, "u-podid", "pod-id", "Pod", "CREATE", podObject("pod-identity", 1)), wantStatus: 200, wantAPI: v1,
			wantPatch: []string{`"name":"AWS_CONTAINER_CREDENTIALS_FULL_URI","value":"` + mutate.DefaultPodIdentityURI + `"`,
				`"name":"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE","value":"/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"`,
				`"name":"eks-pod-identity-token"`, `"audience":"pods.eks.amazonaws.com"`},
			noPatch: []string{"AWS_ROLE_ARN", "aws-iam-token"},
		},
		{
			name: "plain serviceaccount", body: admissionReview(v1, "u-plain", "plain", "Pod", "CREATE", podObject("nobody", 1)), wantStatus: 200, wantAPI: v1,
		},
		{
			name: "missing serviceaccount is admitted unchanged", body: admissionReview(v1, "u-missing", "plain", "Pod", "CREATE", podObject("ghost", 1)), wantStatus: 200, wantAPI: v1,
			wantLog: "ghost",
		},
		{
			name: "token-expiration abc: warning, default", body: admissionReview(v1, "u-abc", "bad", "Pod", "CREATE", podObject("exp-abc", 1)), wantStatus: 200, wantAPI: v1,
			wantPatch: []string{`"expirationSeconds":86400`}, wantWarn: `token-expiration="abc": not an integer number of seconds`,
			wantLog: "pod identity webhook: invalid annotation",
		},
		{
			name: "token-expiration -5: warning, minimum", body: admissionReview(v1, "u-neg", "bad", "Pod", "CREATE", podObject("exp-neg", 1)), wantStatus: 200, wantAPI: v1,
			wantPatch: []string{`"expirationSeconds":600`}, wantWarn: `token-expiration="-5": below the minimum of 600 seconds`,
		},
		{
			name: "not a pod", body: admissionReview(v1, "u-cm", "irsa", "ConfigMap", "CREATE", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`), wantStatus: 200, wantAPI: v1,
			wantLog: "not a pod",
		},
		{
			name: "update is not mutated", body: admissionReview(v1, "u-upd", "irsa", "Pod", "UPDATE", podObject("app", 1)), wantStatus: 200, wantAPI: v1,
		},
		{
			name: "pod object of the wrong shape", body: admissionReview(v1, "u-shape", "irsa", "Pod", "CREATE", `{"spec":{"containers":"nope"}}`), wantStatus: 200, wantAPI: v1,
			wantLog: "mutation failed",
		},
		{
			name: "huge pod", body: admissionReview(v1, "u-huge", "irsa", "Pod", "CREATE", huge), wantStatus: 200, wantAPI: v1,
			wantPatch: []string{`"/spec/containers/2999/env/-"`},
		},
		{name: "malformed json", body: []byte(`{"kind":`), wantStatus: 400, wantLog: "bad AdmissionReview"},
		{name: "no request", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantStatus: 400},
		{name: "not json", body: []byte(`uid=1`), contentType: "text/plain", wantStatus: 415},
		{name: "too large", body: admissionReview(v1, "u-big", "irsa", "Pod", "CREATE", podObject("app", 50000)), wantStatus: 413, wantLog: "request body too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			code, out := r.post(t, kubeserver.PathMutate, ct, tc.body)
			if code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", code, tc.wantStatus, out)
			}
			if tc.wantLog != "" && !strings.Contains(r.logs.String(), tc.wantLog) {
				t.Errorf("no log line with %q", tc.wantLog)
			}
			if code != 200 {
				return
			}
			var a answer
			if err := json.Unmarshal(out, &a); err != nil {
				t.Fatalf("%v: %.300s", err, out)
			}
			var req struct {
				Request struct{ UID string }
			}
			_ = json.Unmarshal(tc.body, &req)
			if a.APIVersion != tc.wantAPI || a.Kind != "AdmissionReview" || a.Response.UID != req.Request.UID || !a.Response.Allowed {
				t.Fatalf("answer %s %s uid %q allowed %v, want %s uid %q allowed", a.APIVersion, a.Kind, a.Response.UID, a.Response.Allowed, tc.wantAPI, req.Request.UID)
			}
			patch := string(a.Response.Patch)
			if tc.wantPatch == nil && patch != "" {
				t.Fatalf("unexpected patch %s", patch)
			}
			if tc.wantPatch != nil && (a.Response.PatchType == nil || *a.Response.PatchType != "JSONPatch") {
				t.Fatalf("patchType %v", a.Response.PatchType)
			}
			for _, w := range tc.wantPatch {
				if !strings.Contains(patch, w) {
					t.Errorf("patch lacks %s:\n%.2000s", w, patch)
				}
			}
			for _, w := range tc.noPatch {
				if strings.Contains(patch, w) {
					t.Errorf("patch has %s:\n%s", w, patch)
				}
			}
			if tc.wantWarn != "" && !strings.Contains(strings.Join(a.Response.Warnings, "\n"), tc.wantWarn) {
				t.Errorf("warnings %q lack %q", a.Response.Warnings, tc.wantWarn)
			}
		})
	}

	counts := r.gather()
	for k, want := range map[string]float64{
		"trustbridge_admission_reviews_total{mutated}":   6,
		"trustbridge_admission_reviews_total{unchanged}": 5,
		"trustbridge_admission_reviews_total{error}":     4,
		"trustbridge_admission_reviews_total{denied}":    0,
	} {
		if counts[k] != want {
			t.Errorf("%s = %v, want %v", k, counts[k], want)
		}
	}

	// /healthz reports the ServiceAccount cache and the aws-auth watcher.
	resp, err := r.client.Get(r.url + kubeserver.PathHealthz)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	resp, err = r.client.Get(r.url + kubeserver.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(metricsText), `trustbridge_admission_reviews_total{result="mutated"} 6`) {
		t.Fatalf("metrics %d: %.500s", resp.StatusCode, metricsText)
	}
	// Plain HTTP is never served.
	if resp, err := http.Get("http" + strings.TrimPrefix(r.url, "https") + kubeserver.PathHealthz); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered 200")
		}
	}
}

// TestMutateDenyOnError: with DenyOnError a Pod the webhook cannot mutate
// is denied with the reason, and counted as denied.
func TestMutateDenyOnError(t *testing.T) {
	r := startRunning(t, func(c *kubeserver.Config) { c.Mutate.DenyOnError, c.Mutate.StrictAnnotations = true, true })
	code, out := r.post(t, kubeserver.PathMutate, "application/json", admissionReview("admission.k8s.io/v1", "u1", "bad", "Pod", "CREATE", podObject("exp-abc", 1)))
	var a answer
	if err := json.Unmarshal(out, &a); err != nil || code != 200 {
		t.Fatalf("%d %v %s", code, err, out)
	}
	if a.Response.Allowed || a.Response.Result == nil || a.Response.Result.Code != 400 || !strings.Contains(a.Response.Result.Message, `token-expiration="abc"`) {
		t.Fatalf("answer %s", out)
	}
	if n := r.gather()["trustbridge_admission_reviews_total{denied}"]; n != 1 {
		t.Fatalf("denied = %v", n)
	}
}

// TestRunLifecycle: Run serves until its context ends, then returns nil;
// a second Run is refused.
func TestRunLifecycle(t *testing.T) {
	r := startRunning(t, nil)
	if err := r.server.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("second Run: %v", err)
	}
	r.cancel()
	select {
	case err := <-r.stopped:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	r.stopped <- nil // for the cleanup
}

// TestRunListenError: a taken address is Run's error, not a hang.
func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := apptest.Start(t, apptest.Options{})
	ks, err := kubeserver.New(context.Background(), s.App, kubeserver.Config{
		Addr: ln.Addr().String(), SelfSignedDir: t.TempDir(), Cluster: demoCluster, NoKubernetesAPI: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run = %v", err)
	}
}

// TestNewErrors: configuration and cluster problems are New's errors.
func TestNewErrors(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	for _, tc := range []struct {
		name string
		cfg  kubeserver.Config
		want string
	}{
		{"invalid", kubeserver.Config{Cluster: demoCluster}, "tls:"},
		{"unknown cluster", kubeserver.Config{Cluster: "nope", SelfSignedDir: t.TempDir(), NoKubernetesAPI: true}, "cluster not found"},
		{"missing certificate", kubeserver.Config{Cluster: demoCluster, TLSCert: "/nonexistent/tls.crt", TLSKey: "/nonexistent/tls.key", NoKubernetesAPI: true}, "tls.crt"},
		{"bad kubeconfig", kubeserver.Config{Cluster: demoCluster, SelfSignedDir: t.TempDir(), Kubeconfig: "/nonexistent/kubeconfig"}, "kubeconfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kubeserver.New(context.Background(), s.App, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

var _ = base64.StdEncoding
