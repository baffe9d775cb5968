package agent

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// discardWriter is a reusable http.ResponseWriter, so the benchmarks
// measure the handler rather than httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// benchToken is a token of realistic size: a projected service-account
// token with an RS256 signature is about 1 KB.
func benchToken(e *testEnv) string {
	tok := e.token("default", "app")
	i := strings.LastIndexByte(tok, '.')
	return tok[:i+1] + strings.Repeat("s", 342)
}

func benchEnv(b *testing.B) (*testEnv, string) {
	e := newTestEnv(b, func(c *Config) {
		c.Now = time.Now
		c.Addrs = []string{"169.254.170.23:80", "[fd00:ec2::23]:80", "127.0.0.1:0"}
	})
	tok := benchToken(e)
	if w := e.get(tok); w.Code != 200 {
		b.Fatalf("warm-up: %d %s", w.Code, w.Body)
	}
	return e, tok
}

// BenchmarkCacheHit is one cache hit through the HTTP handler: Host check,
// token shape check, SHA-256 of a 1 KB token, LRU lookup, response write.
func BenchmarkCacheHit(b *testing.B) {
	e, tok := benchEnv(b)
	h := e.agent.Handler()
	r := httptest.NewRequest(http.MethodGet, "http://169.254.170.23/v1/credentials", nil)
	r.Header.Set("Authorization", tok)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	b.StopTimer()
	if w.code != 200 || e.fake.callCount() != 1 {
		b.Fatalf("status %d, %d upstream calls", w.code, e.fake.callCount())
	}
}

// BenchmarkCacheHitParallel is BenchmarkCacheHit from GOMAXPROCS
// goroutines sharing the cache.
func BenchmarkCacheHitParallel(b *testing.B) {
	e, tok := benchEnv(b)
	h := e.agent.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "http://169.254.170.23/v1/credentials", nil)
		r.Header.Set("Authorization", tok)
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
			if w.code != 200 {
				b.Errorf("status %d", w.code)
				return
			}
		}
	})
	b.StopTimer()
	if n := e.fake.callCount(); n != 1 {
		b.Fatalf("%d upstream calls", n)
	}
}

// BenchmarkCacheHitTCP is a cache hit end to end over loopback HTTP/1.1
// keep-alive connections (client and server share the CPUs).
func BenchmarkCacheHitTCP(b *testing.B) {
	e, tok := benchEnv(b)
	srv := httptest.NewServer(e.agent.Handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+CredentialsPath, nil)
			req.Header.Set("Authorization", tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
