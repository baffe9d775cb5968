package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		status    int
		body      string
		closing   bool
		wantError bool
	}{
		{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: "hello"},
		{name: "lower-case header", in: "HTTP/1.1 403 Forbidden\r\ncontent-length: 3\r\n\r\nno!", status: 403, body: "no!"},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n", status: 200, body: "abcde"},
		{name: "connection close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", closing: true},
		{name: "empty body", in: "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", status: 204, body: ""},
		{name: "no length", in: "HTTP/1.1 200 OK\r\n\r\nhello", wantError: true},
		{name: "short status line", in: "HTTP/1.1\r\n\r\n", wantError: true},
		{name: "bad status code", in: "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", wantError: true},
		{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", wantError: true},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantError: true},
		{name: "eof in headers", in: "HTTP/1.1 200 OK\r\nContent-Len", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, closing, err := readResponse(bufio.NewReader(strings.NewReader(tt.in)), new([]byte))
			if tt.wantError {
				if err == nil {
					t.Fatalf("readResponse(%q) = %d %q, want an error", tt.in, status, body)
				}
				return
			}
			if err != nil {
				t.Fatalf("readResponse: %v", err)
			}
			if status != tt.status || string(body) != tt.body || closing != tt.closing {
				t.Errorf("readResponse = %d %q close=%v, want %d %q close=%v", status, body, closing, tt.status, tt.body, tt.closing)
			}
		})
	}
}

// TestReadResponseKeepAlive reads two answers from one stream, as a
// keep-alive connection delivers them.
func TestReadResponseKeepAlive(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nb"))
	for _, want := range []struct {
		status int
		body   string
	}{{200, "a"}, {500, "b"}} {
		status, body, _, err := readResponse(br, new([]byte))
		if err != nil || status != want.status || string(body) != want.body {
			t.Fatalf("readResponse = %d %q %v, want %d %q", status, body, err, want.status, want.body)
		}
	}
}

// FuzzReadResponse: the response parser never panics and never returns a
// body longer than its input.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, body, _, err := readResponse(bufio.NewReader(bytes.NewReader(in)), new([]byte))
		if err == nil && len(body) > len(in) {
			t.Fatalf("body of %d bytes from %d bytes of input", len(body), len(in))
		}
	})
}

// TestPrepareAndRun prepares signed requests, replays them against a local
// server and checks what the server received and what run reports.
func TestPrepareAndRun(t *testing.T) {
	var got []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		if len(got) < 5 {
			got = append(got, r)
			bodies = append(bodies, b.String())
		}
		if strings.Contains(b.String(), "Fail") {
			http.Error(w, "<Error>denied</Error>", http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte("<Arn>arn:aws:iam::111111111111:user/bench</Arn>"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	reqFile := filepath.Join(dir, "req.jsonl")
	if err := cmdPrepare([]string{"-scenario", "query", "-target", srv.URL, "-params", "Action=GetCallerIdentity&Version=2011-06-15",
		"-access-key", "AKIDEXAMPLE", "-secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "-out", reqFile}); err != nil {
		t.Fatal(err)
	}
	reqs, err := loadRequests(reqFile, srv.URL)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("loadRequests = %d, %v", len(reqs), err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	res := &Result{}
	lat := run(host, nil, reqs, 2, 200*time.Millisecond, false, 0, "<Arn>", 1, res)
	if res.Requests == 0 || res.Errors != 0 || res.Verified != res.Requests || len(lat) != int(res.Requests) {
		t.Fatalf("run: %+v (%d latencies)", res, len(lat))
	}
	// An offered rate: about rate × duration requests, paced, all answered.
	res = &Result{}
	lat = run(host, nil, reqs, 2, 500*time.Millisecond, false, 200, "<Arn>", 1, res)
	if res.Errors != 0 || res.Requests < 50 || res.Requests > 150 || len(lat) != int(res.Requests) {
		t.Fatalf("run at 200/s for 0.5 s: %+v", res)
	}
	r := got[0]
	if r.Method != "POST" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		r.Header.Get("X-Amz-Date") == "" || bodies[0] != "Action=GetCallerIdentity&Version=2011-06-15" {
		t.Errorf("server received %s %v %q", r.Method, r.Header, bodies[0])
	}

	// An error page never counts as a verified answer.
	if err := cmdPrepare([]string{"-scenario", "query", "-target", srv.URL, "-params", "Action=Fail", "-unsigned", "-out", reqFile}); err != nil {
		t.Fatal(err)
	}
	reqs, _ = loadRequests(reqFile, srv.URL)
	res = &Result{}
	run(host, nil, reqs, 1, 50*time.Millisecond, false, 0, "<Arn>", 1, res)
	if res.Errors != res.Requests || res.Verified != 0 || !strings.Contains(res.FirstError, "status 403") {
		t.Errorf("error pages: %+v", res)
	}

	// -distinct uses every request at most once.
	res = &Result{}
	run(host, nil, reqs, 4, time.Minute, true, 0, "", 1, res)
	if res.Requests != int64(len(reqs)) {
		t.Errorf("distinct run made %d requests for %d prepared", res.Requests, len(reqs))
	}
}

func TestPrepareScenarios(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(tokens, []byte("tok-a\n\ntok-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := []string{"-access-key", "AKIDEXAMPLE", "-secret-key", "secret"}
	tests := []struct {
		args     []string
		n        int
		path     string
		contains string
	}{
		{[]string{"-scenario", "web-identity", "-tokens", tokens, "-role-arn", "arn:aws:iam::111111111111:role/web"}, 2, "/", "WebIdentityToken=tok-a"},
		{append([]string{"-scenario", "pod-identity", "-tokens", tokens, "-cluster", "c1"}, keys...), 2, "/clusters/c1/assume-role-for-pod-identity", `"token":"tok-a"`},
		{append([]string{"-scenario", "token-review", "-cluster", "c1"}, keys...), 1, "/authenticate", `"token":"k8s-aws-v1.`},
		{[]string{"-scenario", "sar", "-user", "bench", "-user-arn", "arn:aws:iam::111111111111:user/bench"}, 1, "/authorize", `"resource":"pods"`},
		{[]string{"-scenario", "admission", "-namespace", "ns1", "-service-account", "sa1"}, 1, "/mutate", `"serviceAccountName":"sa1"`},
		{[]string{"-scenario", "agent", "-tokens", tokens}, 2, "/v1/credentials", ""},
	}
	for _, tt := range tests {
		t.Run(tt.args[1], func(t *testing.T) {
			out := filepath.Join(dir, tt.args[1]+".jsonl")
			if err := cmdPrepare(append(tt.args, "-target", "http://127.0.0.1:1", "-out", out)); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != tt.n {
				t.Fatalf("%d requests, want %d", len(lines), tt.n)
			}
			var p prepared
			if err := json.Unmarshal([]byte(lines[0]), &p); err != nil {
				t.Fatal(err)
			}
			if p.Path != tt.path || !strings.Contains(p.Body, tt.contains) {
				t.Errorf("request %s %s %.200s, want path %s containing %q", p.Method, p.Path, p.Body, tt.path, tt.contains)
			}
		})
	}
	if err := cmdPrepare([]string{"-scenario", "nope", "-out", filepath.Join(dir, "x")}); err == nil {
		t.Error("unknown scenario accepted")
	}
}

// TestAdmissionReviewShape checks the AdmissionReview is what a
// kube-apiserver sends for a Pod CREATE.
func TestAdmissionReviewShape(t *testing.T) {
	s, err := admissionReview("ns1", "sa1")
	if err != nil {
		t.Fatal(err)
	}
	var ar struct {
		APIVersion string `json:"apiVersion"`
		Kind       string
		Request    struct {
			UID       string
			Operation string
			Namespace string
			Resource  struct{ Resource string }
			Object    struct {
				Spec struct {
					ServiceAccountName string
					Containers         []json.RawMessage
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(s), &ar); err != nil {
		t.Fatal(err)
	}
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" || ar.Request.UID == "" || ar.Request.Operation != "CREATE" ||
		ar.Request.Namespace != "ns1" || ar.Request.Resource.Resource != "pods" || ar.Request.Object.Spec.ServiceAccountName != "sa1" ||
		len(ar.Request.Object.Spec.Containers) != 2 {
		t.Errorf("AdmissionReview = %+v", ar)
	}
}

func TestWriteReport(t *testing.T) {
	results := []Result{
		{System: "moto", Scenario: "GetCallerIdentity", RPS: 250, P50ms: 50, P99ms: 100, CPUPer1k: 4, PeakRSSMB: 90},
		{System: "minio", Scenario: "GetCallerIdentity", RPS: 1000},
		{System: "trustbridge", Scenario: "GetCallerIdentity", RPS: 15000, P50ms: 0.5, P99ms: 5, CPUPer1k: 0.065, PeakRSSMB: 50,
			Runs: 3, RunRPS: []float64{15000, 12000, 16500}, RunP99ms: []float64{5, 4.5, 6.25}},
		{System: "trustbridge", Scenario: "AgentHit", RPS: 30000},
		{System: "trustbridge", Scenario: "GetRole@0-extra-roles", RPS: 10000},
		{System: "trustbridge", Scenario: "GetRole@100000-extra-roles", RPS: 9000},
	}
	var b bytes.Buffer
	if err := writeReport(&b, results); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 7 {
		t.Fatalf("report:\n%s", b.String())
	}
	for i, want := range []string{"scenario system", "AgentHit trustbridge", "GetCallerIdentity trustbridge", "GetCallerIdentity moto", "GetCallerIdentity minio"} {
		if f := strings.Fields(lines[i]); len(f) < 2 || f[0]+" "+f[1] != want {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[2], "15× minio, 60× moto") || strings.Contains(lines[1], "×") ||
		!strings.Contains(lines[6], "0.90× @0") || strings.Contains(lines[5], "×") ||
		!strings.Contains(lines[2], "median of 3: 12000–16500, 4.50–6.25") || strings.Contains(lines[3], "median") {
		t.Errorf("ratios wrong:\n%s", b.String())
	}
}

func TestProcFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// Burn a little CPU so the figure is positive.
	deadline := time.Now().Add(30 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if cpu := procCPU(os.Getpid()); cpu <= 0 {
		t.Errorf("procCPU(self) = %v", cpu)
	}
	if rss := procPeakRSS(os.Getpid()); rss <= 1 {
		t.Errorf("procPeakRSS(self) = %v MB", rss)
	}
	if procCPU(0) != 0 || procPeakRSS(-1) != 0 {
		t.Error("figures for no process")
	}
}

func TestRunMedianOfRuns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<Arn>x</Arn>"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	reqFile, out := filepath.Join(dir, "req.jsonl"), filepath.Join(dir, "out.json")
	if err := cmdPrepare([]string{"-scenario", "query", "-target", srv.URL, "-params", "Action=GetCallerIdentity", "-unsigned", "-out", reqFile}); err != nil {
		t.Fatal(err)
	}
	args := []string{"-requests", reqFile, "-target", srv.URL, "-c", "2", "-d", "100ms", "-warmup", "0", "-expect", "<Arn>", "-out", out}
	if err := cmdRun(append(args, "-runs", "3")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Runs != 3 || len(r.RunRPS) != 3 || len(r.RunP99ms) != 3 || r.Errors != 0 || r.RPS < slices.Min(r.RunRPS)-1 || r.RPS > slices.Max(r.RunRPS)+1 {
		t.Errorf("median of 3 runs: %+v", r)
	}
	if err := cmdRun(append(args, "-runs", "2", "-distinct")); err == nil {
		t.Error("-runs 2 with -distinct accepted")
	}
}
