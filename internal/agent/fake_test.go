package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/trustbridge/trustbridge/internal/logtest"
)

// The fake EKS Auth server below stands in for trustbridge's edge: it
// verifies the agent's SigV4 signature by recomputing it with the SDK's
// signer, decodes (without verifying) the token's claims the way the real
// service would judge them, counts calls and injects faults.

const (
	testAccount = "111122223333"
	testCluster = "demo"
	testRegion  = "us-west-2"
)

// nodeCreds are the node's credentials the agent signs with.
var nodeCreds = aws.Credentials{AccessKeyID: "AKIANODE0000EXAMPLE1", SecretAccessKey: "nodeSecretKeyExample/abcdefghijklmnopqrstu", SessionToken: "nodeSessionTokenExample"}

// A fault is an injected EKS Auth answer: an AWS error, a raw response, a
// dropped connection or a stall.
type fault struct {
	status  int
	errType string // x-amzn-ErrorType; empty for a raw body
	body    string
	drop    bool // close the connection without answering
	stall   bool // block until the request's context ends
}

type fakeEKSAuth struct {
	t       testing.TB
	srv     *httptest.Server
	now     func() time.Time
	creds   aws.Credentials
	region  string
	cluster string

	mu       sync.Mutex
	lifetime time.Duration       // guarded by mu
	calls    int                 // guarded by mu
	serial   int                 // guarded by mu
	fault    func(claims) *fault // guarded by mu
	gate     chan struct{}       // guarded by mu; if set, calls wait for it to close
	assoc    map[string]string   // guarded by mu; "ns/sa" -> role name
	signErrs []string            // guarded by mu
	called   chan int            // receives the call count after each call completes
	entered  chan struct{}       // receives once per call on entry
}

type claims struct {
	Aud any    `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
	K8s struct {
		Pod struct {
			Name string `json:"name"`
		} `json:"pod"`
	} `json:"kubernetes.io"`
}

func newFakeEKSAuth(t testing.TB, now func() time.Time) *fakeEKSAuth {
	f := &fakeEKSAuth{
		t: t, now: now, creds: nodeCreds, region: testRegion, cluster: testCluster,
		lifetime: time.Hour,
		assoc:    map[string]string{"default/app": "app-role", "team/api": "api-role"},
		called:   make(chan int, 1000),
		entered:  make(chan struct{}, 1000),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.mu.Lock()
		if f.gate != nil {
			select {
			case <-f.gate:
			default:
				close(f.gate)
			}
		}
		errs := f.signErrs
		f.mu.Unlock()
		f.srv.Close()
		for _, e := range errs {
			t.Errorf("fake EKS Auth: %s", e)
		}
	})
	return f
}

func (f *fakeEKSAuth) setFault(fn func(claims) *fault) { f.mu.Lock(); f.fault = fn; f.mu.Unlock() }
func (f *fakeEKSAuth) setGate(g chan struct{})         { f.mu.Lock(); f.gate = g; f.mu.Unlock() }
func (f *fakeEKSAuth) callCount() int                  { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

// waitCalls blocks until the fake has completed n calls.
func (f *fakeEKSAuth) waitCalls(n int) {
	f.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if f.callCount() >= n {
			return
		}
		select {
		case <-f.called:
		case <-timeout:
			f.t.Fatalf("fake EKS Auth: waited for %d calls, saw %d", n, f.callCount())
		}
	}
}

var authzRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

func (f *fakeEKSAuth) serve(w http.ResponseWriter, r *http.Request) {
	f.entered <- struct{}{}
	defer func() {
		f.mu.Lock()
		f.calls++
		n := f.calls
		f.mu.Unlock()
		f.called <- n
	}()
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	gate, faultFn := f.gate, f.fault
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if msg := f.verify(r, body); msg != "" {
		f.mu.Lock()
		f.signErrs = append(f.signErrs, msg)
		f.mu.Unlock()
		writeAWSError(w, 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.")
		return
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Token == "" {
		writeAWSError(w, 400, "InvalidParameterException", "token is required")
		return
	}
	c, ok := decodeClaims(in.Token)
	if faultFn != nil {
		if ft := faultFn(c); ft != nil {
			switch {
			case ft.drop:
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			case ft.stall:
				<-r.Context().Done()
			case ft.errType != "":
				writeAWSError(w, ft.status, ft.errType, ft.body)
			default:
				w.WriteHeader(ft.status)
				io.WriteString(w, ft.body)
			}
			return
		}
	}
	if !ok {
		writeAWSError(w, 400, "InvalidTokenException", "The token is not a valid JWT.")
		return
	}
	if !audHas(c.Aud, "pods.eks.amazonaws.com") {
		writeAWSError(w, 400, "InvalidTokenException", "The token audience is not pods.eks.amazonaws.com.")
		return
	}
	if c.Exp <= f.now().Unix() {
		writeAWSError(w, 400, "ExpiredTokenException", "The token is expired.")
		return
	}
	parts := strings.Split(c.Sub, ":")
	if len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" {
		writeAWSError(w, 400, "InvalidTokenException", "The token subject is not a service account.")
		return
	}
	f.mu.Lock()
	role, ok := f.assoc[parts[2]+"/"+parts[3]]
	f.serial++
	serial, lifetime := f.serial, f.lifetime
	f.mu.Unlock()
	if !ok {
		writeAWSError(w, 404, "ResourceNotFoundException", fmt.Sprintf("No Pod Identity Association exists for service account %s in namespace %s of cluster %s.", parts[3], parts[2], f.cluster))
		return
	}
	exp := f.now().Add(lifetime).Unix()
	out := map[string]any{
		"subject":  map[string]string{"namespace": parts[2], "serviceAccount": parts[3]},
		"audience": "pods.eks.amazonaws.com",
		"podIdentityAssociation": map[string]string{
			"associationArn": "arn:aws:eks:us-west-2:" + testAccount + ":podidentityassociation/" + f.cluster + "/a-1",
			"associationId":  "a-1",
		},
		"assumedRoleUser": map[string]string{
			"arn":          "arn:aws:sts::" + testAccount + ":assumed-role/" + role + "/eks-" + f.cluster + "-" + c.K8s.Pod.Name + "-0",
			"assumeRoleId": "AROAEXAMPLE:eks-" + f.cluster,
		},
		"credentials": map[string]any{
			"accessKeyId":     fmt.Sprintf("ASIAPOD%013d", serial),
			"secretAccessKey": fmt.Sprintf("podSecret%031d", serial),
			"sessionToken":    fmt.Sprintf("podSessionToken-%d", serial),
			"expiration":      exp,
		},
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// verify checks the request line and recomputes the SigV4 signature with
// the SDK's signer; it returns "" when everything matches.
func (f *fakeEKSAuth) verify(r *http.Request, body []byte) string {
	if r.Method != http.MethodPost || r.URL.Path != "/clusters/"+f.cluster+"/assume-role-for-pod-identity" {
		return fmt.Sprintf("unexpected request %s %s", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return "Content-Type " + ct
	}
	m := authzRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "malformed Authorization header"
	}
	ak, region, service, signed := m[1], m[3], m[4], strings.Split(m[5], ";")
	if ak != f.creds.AccessKeyID || region != f.region || service != "eks-auth" {
		return fmt.Sprintf("credential scope %s/%s/%s", ak, region, service)
	}
	if r.Header.Get("X-Amz-Security-Token") != f.creds.SessionToken {
		return "missing or wrong X-Amz-Security-Token"
	}
	for _, need := range []string{"host", "x-amz-date"} {
		if !contains(signed, need) {
			return "signed headers lack " + need
		}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "bad X-Amz-Date"
	}
	if m[2] != at.Format("20060102") {
		return "scope date differs from X-Amz-Date"
	}
	re, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range signed {
		if h == "host" || h == "content-length" || h == "x-amz-date" || h == "x-amz-security-token" {
			continue
		}
		re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
	}
	hash := sha256Hex(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), f.creds, re, hash, "eks-auth", f.region, at); err != nil {
		return err.Error()
	}
	if got, want := r.Header.Get("Authorization"), re.Header.Get("Authorization"); got != want {
		return "signature mismatch"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func audHas(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		for _, x := range v {
			if x == want {
				return true
			}
		}
	}
	return false
}

func writeAWSError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazonaws.eksauth/")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	w.Write(b)
}

func decodeClaims(tok string) (claims, bool) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, false
	}
	return c, json.Unmarshal(b, &c) == nil
}

// makeToken returns an unsigned-but-well-formed service-account JWT.
func makeToken(aud, ns, sa string, exp time.Time) string {
	enc := base64.RawURLEncoding
	hdr := enc.EncodeToString([]byte(`{"alg":"RS256","kid":"test"}`))
	payload, _ := json.Marshal(map[string]any{
		"aud": []string{aud}, "exp": exp.Unix(), "iat": exp.Add(-24 * time.Hour).Unix(),
		"iss": "https://oidc.example/id/X", "sub": "system:serviceaccount:" + ns + ":" + sa,
		"kubernetes.io": map[string]any{"namespace": ns, "pod": map[string]string{"name": sa + "-pod", "uid": "uid-1"}, "serviceaccount": map[string]string{"name": sa}},
	})
	return hdr + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString([]byte("signature-"+ns+"-"+sa+exp.String()))
}

// A clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testEnv is an agent wired to a fake EKS Auth and a settable clock.
type testEnv struct {
	t     testing.TB
	agent *Agent
	fake  *fakeEKSAuth
	clock *clock
	logs  *logtest.Buffer
	now   func() time.Time // the agent's clock: clock.Now unless replaced
}

func newTestEnv(t testing.TB, mod func(*Config)) *testEnv {
	t.Helper()
	clk := newClock()
	fake := newFakeEKSAuth(t, clk.Now)
	logs := &logtest.Buffer{}
	cfg := Config{
		Cluster:     testCluster,
		Endpoint:    fake.srv.URL,
		Region:      testRegion,
		Credentials: nodeCredsProvider(),
		Now:         clk.Now,
		Logger:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	if cfg.Now != nil {
		fake.now = cfg.Now // set before any request reaches the fake
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &testEnv{t: t, agent: a, fake: fake, clock: clk, logs: logs, now: cfg.Now}
	t.Cleanup(func() { e.assertNoSecretsLogged() })
	return e
}

// token returns a valid token for ns/sa, expiring a day from the clock.
func (e *testEnv) token(ns, sa string) string {
	return makeToken("pods.eks.amazonaws.com", ns, sa, e.now().Add(24*time.Hour))
}

// get sends GET /v1/credentials through the handler with Host
// 169.254.170.23 and the given token ("" sends no Authorization).
func (e *testEnv) get(token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://169.254.170.23/v1/credentials", nil)
	if token != "" {
		r.Header.Set("Authorization", token)
	}
	w := httptest.NewRecorder()
	e.agent.Handler().ServeHTTP(w, r)
	return w
}

// creds decodes a successful response, failing the test otherwise.
func (e *testEnv) creds(w *httptest.ResponseRecorder) credentialsResponse {
	e.t.Helper()
	if w.Code != 200 {
		e.t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var c credentialsResponse
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// secretsRE matches anything the fake issues or the node holds that must
// never reach a log: pod secrets and session tokens, node secrets, and
// token signatures/payloads (tokens all start with the same header).
var secretsRE = regexp.MustCompile(`podSecret|podSessionToken|nodeSecretKey|nodeSessionToken|eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ|eyJhdWQi`)

func (e *testEnv) assertNoSecretsLogged() {
	if m := secretsRE.FindString(e.logs.String()); m != "" {
		e.t.Errorf("secret material %q in logs:\n%s", m, e.logs.String())
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func nodeCredsProvider() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return nodeCreds, nil })
}
