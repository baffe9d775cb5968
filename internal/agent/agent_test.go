package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestNewValidation(t *testing.T) {
	good := Config{Cluster: "demo", Endpoint: "http://127.0.0.1:4577", Credentials: aws.AnonymousCredentials{}}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"ok", func(*Config) {}, ""},
		{"ok with path prefix", func(c *Config) { c.Endpoint = "https://edge.example/eks-auth/" }, ""},
		{"no cluster", func(c *Config) { c.Cluster = "" }, "cluster name is required"},
		{"bad cluster", func(c *Config) { c.Cluster = "has space" }, "cluster name"},
		{"long cluster", func(c *Config) { c.Cluster = strings.Repeat("a", 101) }, "cluster name"},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint is required"},
		{"endpoint scheme", func(c *Config) { c.Endpoint = "ftp://x" }, "http or https URL"},
		{"endpoint query", func(c *Config) { c.Endpoint = "http://x/?a=b" }, "http or https URL"},
		{"endpoint user", func(c *Config) { c.Endpoint = "http://u:p@x/" }, "http or https URL"},
		{"no credentials", func(c *Config) { c.Credentials = nil }, "credentials are required"},
		{"bad addr", func(c *Config) { c.Addrs = []string{"169.254.170.23"} }, "missing port"},
		{"bad port", func(c *Config) { c.Addrs = []string{"127.0.0.1:http"} }, "port must be a number"},
		{"bad host", func(c *Config) { c.Addrs = []string{"bad host!:80"} }, "not an IP address or host name"},
		{"zone", func(c *Config) { c.Addrs = []string{"[fe80::1%eth0]:80"} }, "zones"},
		{"negative", func(c *Config) { c.CacheSize = -1 }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			a, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				a.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	a, err := New(Config{Cluster: "c1", Endpoint: "https://edge.example/p/", Credentials: aws.AnonymousCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := strings.Join(a.Addrs(), " "); got != "169.254.170.23:80 [fd00:ec2::23]:80" {
		t.Errorf("addrs %s", got)
	}
	if a.client.url != "https://edge.example/p/clusters/c1/assume-role-for-pod-identity" {
		t.Errorf("url %s", a.client.url)
	}
	if a.client.region != DefaultRegion || a.cache.max != DefaultCacheSize || a.refreshBefore != DefaultRefreshBefore || a.timeout != DefaultUpstreamTimeout {
		t.Errorf("defaults not applied: %+v", a)
	}
}

func TestSuccess(t *testing.T) {
	e := newTestEnv(t, nil)
	w := e.get(e.token("default", "app"))
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var raw map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	want := map[string]string{
		"AccessKeyId":     "ASIAPOD0000000000001",
		"SecretAccessKey": "podSecret0000000000000000000000000000001",
		"Token":           "podSessionToken-1",
		"AccountId":       testAccount,
		"Expiration":      "2026-03-01T13:00:00Z",
	}
	if len(raw) != len(want) {
		t.Errorf("members %v", raw)
	}
	for k, v := range want {
		if raw[k] != v {
			t.Errorf("%s = %q, want %q", k, raw[k], v)
		}
	}
	if !strings.Contains(e.logs.String(), `"service_account":"app"`) || !strings.Contains(e.logs.String(), "app-role") {
		t.Errorf("issuance not logged: %s", e.logs)
	}
	c, err := e.agent.Credentials(context.Background(), e.token("default", "app"))
	if err != nil || c.AccessKeyID != "ASIAPOD0000000000001" || c.Namespace != "default" || c.AssociationID != "a-1" {
		t.Errorf("Credentials: %+v %v", c, err)
	}
}

// TestErrors drives every bad-input and upstream-failure path through the
// handler and checks status, code, body, and that neither the body nor the
// log repeats the token.
func TestErrors(t *testing.T) {
	never := func(claims) *fault { return nil }
	awsErr := func(status int, code, msg string) func(claims) *fault {
		return func(claims) *fault { return &fault{status: status, errType: code, body: msg} }
	}
	tests := []struct {
		name     string
		host     string // default 169.254.170.23
		method   string // default GET
		path     string // default /v1/credentials
		auth     []string
		token    func(e *testEnv) string // used as the single Authorization value when auth is nil
		fault    func(claims) *fault
		mod      func(*Config)
		wantCode int
		wantBody string
		wantLog  string // the code logged
		noCall   bool   // the agent must not call EKS Auth
	}{
		{name: "missing Authorization", auth: []string{}, wantCode: 400, wantBody: "Authorization header must hold", wantLog: CodeMissingToken, noCall: true},
		{name: "empty Authorization", auth: []string{""}, wantCode: 400, wantBody: "Authorization header must hold", wantLog: CodeMissingToken, noCall: true},
		{name: "two Authorization", auth: []string{"a.b.c", "a.b.c"}, wantCode: 400, wantBody: "exactly once", wantLog: CodeMissingToken, noCall: true},
		{name: "Bearer prefix", token: func(e *testEnv) string { return "Bearer " + e.token("default", "app") }, wantCode: 400, wantBody: `without "Bearer "`, wantLog: CodeMalformedToken, noCall: true},
		{name: "not a JWT", auth: []string{"hello"}, wantCode: 400, wantBody: "not a service account token", wantLog: CodeMalformedToken, noCall: true},
		{name: "JWT with empty part", auth: []string{"a..c"}, wantCode: 400, wantBody: "not a service account token", wantLog: CodeMalformedToken, noCall: true},
		{name: "too long", auth: []string{strings.Repeat("a", maxTokenBytes) + ".b.c"}, wantCode: 400, wantBody: "longer than", wantLog: CodeMalformedToken, noCall: true},
		{name: "wrong Host name", host: "evil.example.com", wantCode: 400, wantBody: `Host header "evil.example.com" is not one of this agent's addresses (169.254.170.23:80, [fd00:ec2::23]:80)`, wantLog: CodeInvalidHost, noCall: true},
		{name: "wrong Host IP", host: "10.0.0.7", wantCode: 400, wantBody: "not one of this agent's addresses", wantLog: CodeInvalidHost, noCall: true},
		{name: "localhost not served", host: "localhost", wantCode: 400, wantBody: "not one of this agent's addresses", wantLog: CodeInvalidHost, noCall: true},
		{name: "wrong path", path: "/latest/meta-data/", wantCode: 404, wantBody: "serves only GET /v1/credentials", wantLog: CodeNotFound, noCall: true},
		{name: "POST", method: http.MethodPost, wantCode: 405, wantBody: `method "POST" not allowed`, wantLog: CodeMethodNotAllowed, noCall: true},
		{name: "wrong audience", token: func(e *testEnv) string {
			return makeToken("sts.amazonaws.com", "default", "app", e.clock.Now().Add(time.Hour))
		}, wantCode: 401, wantBody: "EKS Auth rejected the service account token (wrong audience, issuer or signature?) (InvalidTokenException: The token audience is not pods.eks.amazonaws.com.)", wantLog: "InvalidTokenException"},
		{name: "expired token", token: func(e *testEnv) string {
			return makeToken("pods.eks.amazonaws.com", "default", "app", e.clock.Now().Add(-time.Minute))
		}, wantCode: 401, wantBody: "rejected the service account token as expired (ExpiredTokenException: The token is expired.)", wantLog: "ExpiredTokenException"},
		{name: "no association", token: func(e *testEnv) string { return e.token("default", "other") }, wantCode: 404,
			wantBody: "no Pod Identity association for this service account (or no such cluster) (ResourceNotFoundException: No Pod Identity Association exists for service account other in namespace default of cluster demo.)", wantLog: "ResourceNotFoundException"},
		{name: "access denied", fault: awsErr(400, "AccessDeniedException", "not allowed"), wantCode: 403, wantBody: "denied the request (AccessDeniedException: not allowed)", wantLog: "AccessDeniedException"},
		{name: "invalid parameter", fault: awsErr(400, "InvalidParameterException", "bad"), wantCode: 400, wantBody: "InvalidParameterException: bad", wantLog: "InvalidParameterException"},
		{name: "invalid request", fault: awsErr(400, "InvalidRequestException", "bad"), wantCode: 400, wantBody: "InvalidRequestException: bad", wantLog: "InvalidRequestException"},
		{name: "throttled", fault: awsErr(429, "ThrottlingException", "slow down"), wantCode: 429, wantBody: "throttling", wantLog: "ThrottlingException"},
		{name: "internal", fault: awsErr(500, "InternalServerException", "oops"), wantCode: 500, wantBody: "internal error (InternalServerException: oops)", wantLog: "InternalServerException"},
		{name: "unavailable", fault: awsErr(503, "ServiceUnavailableException", ""), wantCode: 503, wantBody: "EKS Auth is unavailable; retry later (ServiceUnavailableException)", wantLog: "ServiceUnavailableException"},
		{name: "unknown code", fault: awsErr(400, "SomethingNewException", "new"), wantCode: 500, wantBody: "EKS Auth failed (SomethingNewException: new)", wantLog: "SomethingNewException"},
		{name: "node credentials rejected", fault: awsErr(403, "UnrecognizedClientException", "The security token included in the request is invalid."), wantCode: 500,
			wantBody: "EKS Auth rejected the agent's own AWS credentials (UnrecognizedClientException", wantLog: CodeNodeCredentials},
		{name: "node session expired", fault: awsErr(403, "ExpiredTokenException", "The security token included in the request is expired"), wantCode: 500,
			wantBody: "EKS Auth rejected the agent's own AWS credentials (ExpiredTokenException", wantLog: CodeNodeCredentials},
		{name: "node credentials unavailable", mod: func(c *Config) {
			c.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errors.New("no EC2 IMDS role found")
			})
		}, wantCode: 500, wantBody: "could not load its own AWS credentials", wantLog: CodeNodeCredentials, noCall: true},
		{name: "wrong node secret", mod: func(c *Config) {
			c.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				bad := nodeCreds
				bad.SecretAccessKey = "nodeSecretKeyWRONG"
				return bad, nil
			})
		}, wantCode: 500, wantBody: "InvalidSignatureException", wantLog: CodeNodeCredentials},
		{name: "upstream HTML error", fault: func(claims) *fault { return &fault{status: 502, body: "<html>Bad Gateway</html>"} }, wantCode: 502,
			wantBody: "invalid AssumeRoleForPodIdentity response: HTTP 502 without an AWS error code", wantLog: CodeUpstreamBadResponse},
		{name: "upstream bad JSON", fault: func(claims) *fault { return &fault{status: 200, body: "{"} }, wantCode: 502, wantBody: "not the expected JSON object", wantLog: CodeUpstreamBadResponse},
		{name: "upstream incomplete", fault: func(claims) *fault { return &fault{status: 200, body: `{"credentials":{"accessKeyId":"A"}}`} }, wantCode: 502,
			wantBody: "credentials.secretAccessKey is missing", wantLog: CodeUpstreamBadResponse},
		{name: "upstream expired creds", fault: func(claims) *fault {
			return &fault{status: 200, body: `{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":1000}}`}
		}, wantCode: 502, wantBody: "already expired", wantLog: CodeUpstreamBadResponse},
		{name: "upstream drops connection", fault: func(claims) *fault { return &fault{drop: true} }, wantCode: 502, wantBody: "EKS Auth is unreachable: EOF", wantLog: CodeUpstreamUnreachable},
		{name: "upstream timeout", fault: func(claims) *fault { return &fault{stall: true} }, mod: func(c *Config) { c.UpstreamTimeout = 50 * time.Millisecond },
			wantCode: 504, wantBody: "did not answer in time", wantLog: CodeUpstreamTimeout},
		{name: "upstream down", mod: func(c *Config) { c.Endpoint = "http://127.0.0.1:1" }, wantCode: 502, wantBody: "EKS Auth is unreachable: dial tcp 127.0.0.1:1: connect: connection refused", wantLog: CodeUpstreamUnreachable, noCall: true},
		{name: "message echoes token", fault: nil, token: func(e *testEnv) string { return e.token("echo", "app") }, wantCode: 400, wantBody: "InvalidParameterException: bad token [token]", wantLog: "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, tt.mod)
			tok := e.token("default", "app")
			if tt.token != nil {
				tok = tt.token(e)
			}
			f := tt.fault
			if tt.name == "message echoes token" {
				f = func(claims) *fault {
					return &fault{status: 400, errType: "InvalidParameterException", body: "bad token " + tok}
				}
			}
			if f == nil {
				f = never
			}
			e.fake.setFault(f)
			target := "http://169.254.170.23" + orDefault(tt.path, CredentialsPath)
			r := httptest.NewRequest(orDefault(tt.method, http.MethodGet), target, nil)
			r.Host = orDefault(tt.host, "169.254.170.23")
			switch {
			case tt.auth != nil:
				r.Header["Authorization"] = tt.auth
			default:
				r.Header.Set("Authorization", tok)
			}
			w := httptest.NewRecorder()
			e.agent.Handler().ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("got %d %q\nwant %d containing %q", w.Code, body, tt.wantCode, tt.wantBody)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.HasSuffix(body, "\n") || strings.Count(body, "\n") != 1 {
				t.Errorf("body is not one line: %q", body)
			}
			for _, part := range strings.Split(tok, ".") {
				if len(part) >= 8 && strings.Contains(body, part) {
					t.Errorf("body repeats the token: %q", body)
				}
			}
			if !strings.Contains(e.logs.String(), `"code":"`+tt.wantLog+`"`) {
				t.Errorf("log lacks code %s: %s", tt.wantLog, e.logs)
			}
			if tt.noCall && e.fake.callCount() != 0 {
				t.Errorf("EKS Auth called %d times", e.fake.callCount())
			}
			if tt.name == "wrong node secret" {
				e.fake.mu.Lock()
				if len(e.fake.signErrs) != 1 || e.fake.signErrs[0] != "signature mismatch" {
					t.Errorf("fake saw %v", e.fake.signErrs)
				}
				e.fake.signErrs = nil
				e.fake.mu.Unlock()
			}
			if tt.wantCode == 405 && w.Header().Get("Allow") != "GET" {
				t.Errorf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

func TestCacheHitAndMiss(t *testing.T) {
	e := newTestEnv(t, nil)
	t1, t2 := e.token("default", "app"), e.token("team", "api")
	c1 := e.creds(e.get(t1))
	c1b := e.creds(e.get(t1))
	if c1 != c1b || e.fake.callCount() != 1 {
		t.Fatalf("second request not served from cache: %d calls", e.fake.callCount())
	}
	c2 := e.creds(e.get(t2))
	if c2.AccessKeyID == c1.AccessKeyID || e.fake.callCount() != 2 {
		t.Fatalf("different token shared an entry: %d calls", e.fake.callCount())
	}
	// Past expiry the entry is dropped and fetched again.
	e.clock.Advance(time.Hour)
	c1c := e.creds(e.get(t1))
	if c1c.AccessKeyID == c1.AccessKeyID || e.fake.callCount() != 3 {
		t.Fatalf("expired entry served: %+v, %d calls", c1c, e.fake.callCount())
	}
}

func TestRefreshAhead(t *testing.T) {
	e := newTestEnv(t, nil) // 1 h credentials, refresh 20 min ahead
	tok := e.token("default", "app")
	first := e.creds(e.get(tok))

	e.clock.Advance(39 * time.Minute) // 21 min left: outside the window
	if c := e.creds(e.get(tok)); c != first || e.fake.callCount() != 1 {
		t.Fatalf("refreshed too early: %d calls", e.fake.callCount())
	}

	gate := make(chan struct{})
	e.fake.setGate(gate)
	e.clock.Advance(2 * time.Minute) // 19 min left: inside the window
	// While the refresh is in flight, every hit still gets the cached
	// credentials and no second refresh starts.
	for range 5 {
		if c := e.creds(e.get(tok)); c != first {
			t.Fatalf("refresh-ahead did not serve the cached credentials")
		}
	}
	<-e.fake.entered
	close(gate)
	e.fake.waitCalls(2)
	waitFor(t, func() bool { return e.creds(e.get(tok)) != first })
	second := e.creds(e.get(tok))
	if second.Expiration != "2026-03-01T13:41:00Z" {
		t.Errorf("refreshed expiration %s", second.Expiration)
	}
	if n := e.fake.callCount(); n != 2 {
		t.Errorf("%d upstream calls, want 2", n)
	}
}

func TestRefreshWindowCappedAtHalfLifetime(t *testing.T) {
	e := newTestEnv(t, nil)
	e.fake.mu.Lock()
	e.fake.lifetime = 10 * time.Minute // shorter than RefreshBefore: refresh at 5 min
	e.fake.mu.Unlock()
	tok := e.token("default", "app")
	first := e.creds(e.get(tok))
	e.clock.Advance(4 * time.Minute)
	e.creds(e.get(tok))
	if n := e.fake.callCount(); n != 1 {
		t.Fatalf("refreshed before half-life: %d calls", n)
	}
	e.clock.Advance(2 * time.Minute)
	if c := e.creds(e.get(tok)); c != first {
		t.Fatal("cached credentials not served during refresh")
	}
	e.fake.waitCalls(2)
}

func TestEvictOnAuthError(t *testing.T) {
	for _, code := range []string{"InvalidTokenException", "ExpiredTokenException", "AccessDeniedException", "ResourceNotFoundException"} {
		t.Run(code, func(t *testing.T) {
			e := newTestEnv(t, nil)
			tok := e.token("default", "app")
			first := e.creds(e.get(tok))
			e.fake.setFault(func(claims) *fault { return &fault{status: 400, errType: code, body: "revoked"} })
			e.clock.Advance(45 * time.Minute)
			// This hit is served from cache and starts the refresh that fails.
			if c := e.creds(e.get(tok)); c != first {
				t.Fatal("cached credentials not served")
			}
			e.fake.waitCalls(2)
			waitFor(t, func() bool { return e.agent.cache.len() == 0 })
			w := e.get(tok)
			if w.Code == 200 || !strings.Contains(w.Body.String(), code) {
				t.Fatalf("revoked credentials still served: %d %s", w.Code, w.Body)
			}
			if !strings.Contains(e.logs.String(), `"msg":"evicted cached credentials","code":"`+code+`"`) {
				t.Errorf("eviction not logged: %s", e.logs)
			}
		})
	}
}

// TestNodeFaultDoesNotEvict checks that EKS Auth rejecting the node's own
// credentials keeps the pod's cached credentials in service.
func TestNodeFaultDoesNotEvict(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.token("default", "app")
	first := e.creds(e.get(tok))
	e.fake.setFault(func(claims) *fault {
		return &fault{status: 403, errType: "ExpiredTokenException", body: "The security token included in the request is expired"}
	})
	e.clock.Advance(45 * time.Minute)
	e.creds(e.get(tok))
	e.fake.waitCalls(2)
	e.clock.Advance(refreshRetryInterval)
	if c := e.creds(e.get(tok)); c != first {
		t.Fatal("cached credentials dropped after a node-credential failure")
	}
}

func TestBackgroundRefreshFailureKeepsServingWithBackoff(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.token("default", "app")
	first := e.creds(e.get(tok))
	e.fake.setFault(func(claims) *fault { return &fault{status: 503, errType: "ServiceUnavailableException"} })
	e.clock.Advance(45 * time.Minute)
	e.creds(e.get(tok))
	e.fake.waitCalls(2)
	waitFor(t, func() bool {
		e.agent.cache.mu.Lock()
		defer e.agent.cache.mu.Unlock()
		for _, el := range e.agent.cache.m {
			return !el.Value.(*entry).refreshing
		}
		return false
	})
	if !strings.Contains(e.logs.String(), `"background refresh failed","status":503,"code":"ServiceUnavailableException"`) {
		t.Errorf("background failure not logged: %s", e.logs)
	}
	// Within the retry interval hits do not call EKS Auth again.
	for range 10 {
		if c := e.creds(e.get(tok)); c != first {
			t.Fatal("cached credentials not served after a failed refresh")
		}
	}
	if n := e.fake.callCount(); n != 2 {
		t.Fatalf("%d calls within the retry interval, want 2", n)
	}
	e.clock.Advance(refreshRetryInterval)
	e.fake.setFault(nil)
	e.creds(e.get(tok))
	e.fake.waitCalls(3)
	waitFor(t, func() bool { return e.creds(e.get(tok)) != first })
}

func TestSingleflight(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.token("default", "app")
	gate := make(chan struct{})
	e.fake.setGate(gate)
	const n = 100
	var wg sync.WaitGroup
	results := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.get(tok)
		}()
	}
	<-e.fake.entered // the one upstream call is in flight
	close(gate)
	wg.Wait()
	if c := e.fake.callCount(); c != 1 {
		t.Fatalf("%d upstream calls for %d identical requests, want 1", c, n)
	}
	for _, w := range results {
		if w.Code != 200 || w.Body.String() != results[0].Body.String() {
			t.Fatalf("response %d %s", w.Code, w.Body)
		}
	}
}

// TestSingleflightCallerGivesUp checks that one caller canceling does not
// fail the others waiting on the same upstream call.
func TestSingleflightCallerGivesUp(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.token("default", "app")
	gate := make(chan struct{})
	e.fake.setGate(gate)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := e.agent.Credentials(ctx, tok); errc <- err }()
	<-e.fake.entered
	done := make(chan Credentials, 1)
	go func() { c, _ := e.agent.Credentials(context.Background(), tok); done <- c }()
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("canceled caller got no error")
	}
	close(gate)
	if c := <-done; c.AccessKeyID == "" {
		t.Fatal("waiting caller failed with the canceled one")
	}
	if n := e.fake.callCount(); n != 1 {
		t.Fatalf("%d calls", n)
	}
}

func TestUpstreamDown(t *testing.T) {
	e := newTestEnv(t, nil)
	tok := e.token("default", "app")
	first := e.creds(e.get(tok))
	e.fake.setFault(func(claims) *fault { return &fault{drop: true} })

	// Inside the refresh window the refresh fails; cached credentials are
	// served until they expire.
	for _, step := range []time.Duration{45 * time.Minute, 10 * time.Minute, 4*time.Minute + 59*time.Second} {
		e.clock.Advance(step)
		if c := e.creds(e.get(tok)); c != first {
			t.Fatalf("cached credentials not served at +%s", step)
		}
	}
	e.clock.Advance(time.Second) // now exactly at expiry
	w := e.get(tok)
	if w.Code != 502 || !strings.Contains(w.Body.String(), "unreachable") {
		t.Fatalf("after expiry: %d %s", w.Code, w.Body)
	}
	// A token never seen while EKS Auth is down gets a 5xx straight away.
	w = e.get(e.token("team", "api"))
	if w.Code != 502 {
		t.Fatalf("uncached: %d %s", w.Code, w.Body)
	}
	// When EKS Auth comes back, credentials flow again.
	e.fake.setFault(nil)
	if c := e.creds(e.get(tok)); c == first {
		t.Fatal("stale credentials after recovery")
	}
}

func TestBoundedCache(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.CacheSize = 3 })
	var toks []string
	for i := range 5 {
		tok := makeToken("pods.eks.amazonaws.com", "default", "app", e.clock.Now().Add(time.Duration(i+1)*time.Hour))
		toks = append(toks, tok)
		e.creds(e.get(tok))
	}
	if n := e.agent.cache.len(); n != 3 {
		t.Fatalf("cache holds %d entries, bound 3", n)
	}
	e.creds(e.get(toks[4])) // most recent: hit
	e.creds(e.get(toks[2])) // oldest surviving: hit, becomes most recent
	if n := e.fake.callCount(); n != 5 {
		t.Fatalf("%d calls after hits, want 5", n)
	}
	e.creds(e.get(toks[0])) // evicted: miss, evicts toks[3]
	e.creds(e.get(toks[2]))
	if n := e.fake.callCount(); n != 6 {
		t.Fatalf("%d calls, want 6", n)
	}
	e.creds(e.get(toks[3]))
	if n := e.fake.callCount(); n != 7 {
		t.Fatalf("LRU order wrong: %d calls, want 7", n)
	}
}

func TestCheckToken(t *testing.T) {
	tests := []struct {
		tok string
		ok  bool
	}{
		{"a.b.c", true},
		{"eyJ=.e-_.x", true},
		{"a.b", false},
		{"a.b.c.d", false},
		{".b.c", false},
		{"a.b.", false},
		{"a b.c.d", false},
		{"bearer a.b.c", false},
		{"a.b.c\n", false},
		{"a.b+.c", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := checkToken(tt.tok); (err == nil) != tt.ok {
			t.Errorf("checkToken(%q) = %v, want ok=%v", tt.tok, err, tt.ok)
		}
	}
}

func TestScrub(t *testing.T) {
	tok := "aaaaaaaaaa.bbbbbbbbbb.cccccccccc"
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"token " + tok + " bad", "token [token] bad"},
		{"claims bbbbbbbbbb only", "claims [token] only"},
		{"line\nbreak\x00", "line break"},
		{strings.Repeat("é", 400), strings.Repeat("é", 256) + "..."},
	}
	for _, tt := range tests {
		if got := scrub(tt.in, tok); got != tt.want {
			t.Errorf("scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// waitFor polls cond until it holds; background refreshes complete
// asynchronously after the fake has answered.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInternalErrorsDoNotLeak checks that an error that is not an *Error
// is answered as a bare 500.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newTestEnv(t, nil)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "http://169.254.170.23/v1/credentials", nil)
	e.agent.fail(w, r, "", errors.New("secret detail from somewhere"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret detail") || w.Body.String() != "internal error (see the agent's log)\n" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if ae := e.agent.refreshFailed(cacheKey{}, e.clock.Now(), errors.New("secret detail")); ae.Status != 500 || strings.Contains(ae.Message, "secret") {
		t.Fatalf("%+v", ae)
	}
}
