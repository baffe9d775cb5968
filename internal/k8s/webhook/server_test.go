package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServer starts a Server on 127.0.0.1 with self-signed certificates and
// returns it with an HTTPS client trusting its CA.
func startServer(t *testing.T, cfg Config) (*Server, *http.Client, string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile, caFile, err := SelfSigned(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.CertFile, cfg.KeyFile = certFile, keyFile
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after Shutdown", err)
		}
	})
	return s, clientFor(t, caFile), "https://" + ln.Addr().String()
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func clientFor(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(readFile(t, caFile)) {
		t.Fatal("bad CA file")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	// Idle HTTP/2 connections would make Shutdown wait for its GOAWAY
	// timeout.
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestServerRoutes(t *testing.T) {
	var mu sync.Mutex
	var observed []string
	var logs bytes.Buffer
	s, client, base := startServer(t, Config{
		MaxBodyBytes: 1024,
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: func(pattern string, status int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			observed = append(observed, fmt.Sprintf("%s=%d", pattern, status))
		},
	})
	s.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadBody(r, 0)
		if errors.Is(err, ErrBodyTooLarge) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write(body)
	}))
	if s.MaxBodyBytes() != 1024 {
		t.Fatalf("MaxBodyBytes = %d", s.MaxBodyBytes())
	}

	tests := []struct {
		name       string
		method     string
		path       string
		body       io.Reader
		wantStatus int
		wantBody   string
	}{
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200, wantBody: "ok\n"},
		{name: "echo", method: "POST", path: "/echo", body: strings.NewReader("hello"), wantStatus: 200, wantBody: "hello"},
		{name: "declared too large", method: "POST", path: "/echo", body: bytes.NewReader(make([]byte, 2000)), wantStatus: 413, wantBody: "request body of 2000 bytes exceeds the limit of 1024 bytes\n"},
		// A reader of unknown length is sent chunked, so only the
		// MaxBytesReader catches it.
		{name: "chunked too large", method: "POST", path: "/echo", body: io.MultiReader(strings.NewReader(strings.Repeat("x", 2000))), wantStatus: 413, wantBody: "request body too large: limit 1024 bytes\n"},
		{name: "unknown path", method: "GET", path: "/nope", wantStatus: 404},
		{name: "wrong method", method: "GET", path: "/echo", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, tt.body)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, b, tt.wantStatus)
			}
			if tt.wantBody != "" && string(b) != tt.wantBody {
				t.Errorf("body = %q, want %q", b, tt.wantBody)
			}
			if resp.ProtoMajor != 2 {
				t.Errorf("proto = %s, want HTTP/2", resp.Proto)
			}
		})
	}
	if s.Addr() == nil || base != "https://"+s.Addr().String() {
		t.Fatalf("Addr = %v", s.Addr())
	}
	mu.Lock()
	defer mu.Unlock()
	// Observe runs after the response is written, so the order of two
	// consecutive requests' observations is not fixed.
	want := []string{"=404", "=405", "=413", "GET /healthz=200", "POST /echo=200", "POST /echo=413"}
	slices.Sort(observed)
	if strings.Join(observed, " ") != strings.Join(want, " ") {
		t.Errorf("observed %v, want %v", observed, want)
	}
	if !strings.Contains(logs.String(), "path=/echo status=413") || strings.Contains(logs.String(), "hello") {
		t.Errorf("request log:\n%s", logs.String())
	}
}

func TestServerHealthChecks(t *testing.T) {
	s, client, base := startServer(t, Config{})
	var fail error
	s.AddHealthCheck("informer", func(context.Context) error { return fail })
	get := func() (int, string) {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || body != "ok\n" {
		t.Fatalf("healthy: %d %q", code, body)
	}
	fail = errors.New("not synced: secret-ish detail")
	code, body := get()
	if code != 503 || body != "check informer failed\n" {
		t.Fatalf("unhealthy: %d %q", code, body)
	}
}

func TestServerGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, caFile, err := SelfSigned(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{CertFile: certFile, KeyFile: keyFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	client := clientFor(t, caFile)
	got := make(chan string, 1)
	go func() {
		resp, err := client.Get("https://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("in-flight request: %q", b)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestServerCertReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, caFile, err := SelfSigned(dir, []string{"one.example"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{CertFile: certFile, KeyFile: keyFile, CertCheckInterval: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Shutdown(context.Background())

	served := func() []string {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(readFile(t, caFile))
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].DNSNames
	}
	if got := served(); !strings.Contains(strings.Join(got, ","), "one.example") {
		t.Fatalf("initial names %v", got)
	}
	if _, _, _, err := SelfSigned(dir, []string{"two.example"}); err != nil {
		t.Fatal(err)
	}
	if got := served(); !strings.Contains(strings.Join(got, ","), "two.example") {
		t.Fatalf("names after rotation %v", got)
	}
	// A broken rotation keeps the previous certificate.
	if err := os.WriteFile(certFile, []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := served(); !strings.Contains(strings.Join(got, ","), "two.example") {
		t.Fatalf("names after broken rotation %v", got)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Config{}); err == nil {
		t.Error("no cert accepted")
	}
	if _, err := New(Config{CertFile: filepath.Join(dir, "x.crt"), KeyFile: filepath.Join(dir, "x.key")}); err == nil {
		t.Error("missing files accepted")
	}
	os.WriteFile(filepath.Join(dir, "x.crt"), []byte("nope"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.key"), []byte("nope"), 0o600)
	_, err := New(Config{CertFile: filepath.Join(dir, "x.crt"), KeyFile: filepath.Join(dir, "x.key")})
	if err == nil || !strings.Contains(err.Error(), "load tls key pair") {
		t.Errorf("bad files: %v", err)
	}
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		length  int64 // -1: unknown
		limit   int64
		want    string
		wantErr error
	}{
		{name: "empty", body: "", length: 0, limit: 10, want: ""},
		{name: "exact", body: "0123456789", length: 10, limit: 10, want: "0123456789"},
		{name: "unknown length fits", body: "abc", length: -1, limit: 10, want: "abc"},
		{name: "declared over", body: "0123456789a", length: 11, limit: 10, wantErr: ErrBodyTooLarge},
		{name: "unknown length over", body: strings.Repeat("z", 100), length: -1, limit: 10, wantErr: ErrBodyTooLarge},
		{name: "lying length", body: strings.Repeat("z", 100), length: 5, limit: 10, wantErr: ErrBodyTooLarge},
		{name: "default limit", body: "abc", length: 3, limit: 0, want: "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", "/", io.NopCloser(strings.NewReader(tt.body)))
			r.ContentLength = tt.length
			got, err := ReadBody(r, tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRESTConfig(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t0ps3cret}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`), 0o600)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")

	cfg, err := RESTConfig(kc, "trustbridge-test")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" || cfg.UserAgent != "trustbridge-test" || cfg.QPS != 50 {
		t.Errorf("explicit: %+v", cfg)
	}
	t.Setenv("KUBECONFIG", kc)
	cfg, err = RESTConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" {
		t.Errorf("from $KUBECONFIG: host %q", cfg.Host)
	}
	if _, err := RESTConfig(filepath.Join(dir, "missing"), ""); err == nil {
		t.Error("missing kubeconfig accepted")
	}
	t.Setenv("KUBECONFIG", filepath.Join(dir, "missing"))
	t.Setenv("HOME", dir)
	if _, err := RESTConfig("", ""); err == nil {
		t.Error("no config accepted")
	} else if strings.Contains(err.Error(), "t0ps3cret") {
		t.Error("token in error")
	}
}
