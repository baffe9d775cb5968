package agent

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/metrics"
)

// recordingMetrics keeps the agent's metric events as strings.
type recordingMetrics struct {
	mu     sync.Mutex
	events []string
}

func (r *recordingMetrics) add(s string) { r.mu.Lock(); r.events = append(r.events, s); r.mu.Unlock() }
func (r *recordingMetrics) CacheLookup(hit bool) {
	r.add(map[bool]string{true: "cache hit", false: "cache miss"}[hit])
}
func (r *recordingMetrics) Request(status int, code string) {
	r.add(fmt.Sprintf("request %d %q", status, code))
}
func (r *recordingMetrics) Upstream(code string, elapsed time.Duration) {
	if elapsed < 0 {
		r.add("negative upstream duration")
	}
	r.add(fmt.Sprintf("upstream %q", code))
}
func (r *recordingMetrics) sorted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := append([]string(nil), r.events...)
	sort.Strings(s)
	return s
}

// TestMetricsEvents checks the events a scripted series of requests
// produces: hits, misses, answered requests by code, upstream calls by
// result, and that an unknown upstream code is bounded.
func TestMetricsEvents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   func(e *testEnv)
		fault func(claims) *fault
		want  []string
	}{
		{
			name: "miss then hit",
			run: func(e *testEnv) {
				tok := e.token("default", "app")
				e.get(tok)
				e.get(tok)
			},
			want: []string{"cache hit", "cache miss", `request 200 ""`, `request 200 ""`, `upstream ""`},
		},
		{
			name: "malformed token never reaches the cache",
			run:  func(e *testEnv) { e.get("hello") },
			want: []string{`request 400 "MalformedToken"`},
		},
		{
			name: "upstream access denied",
			run:  func(e *testEnv) { e.get(e.token("default", "app")) },
			fault: func(claims) *fault {
				return &fault{status: 403, errType: "AccessDeniedException", body: `{"message":"no"}`}
			},
			want: []string{"cache miss", `request 403 "AccessDeniedException"`, `upstream "AccessDeniedException"`},
		},
		{
			name: "unknown upstream code is bounded",
			run:  func(e *testEnv) { e.get(e.token("default", "app")) },
			fault: func(claims) *fault {
				return &fault{status: 400, errType: "MadeUpCodeException", body: `{"message":"x"}`}
			},
			want: []string{"cache miss", `request 500 "OtherUpstreamError"`, `upstream "OtherUpstreamError"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingMetrics{}
			e := newTestEnv(t, func(c *Config) { c.Metrics = rec })
			if tc.fault != nil {
				e.fake.setFault(tc.fault)
			}
			tc.run(e)
			if got := rec.sorted(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("events\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// BenchmarkCacheHitWithMetrics is BenchmarkCacheHit with the Prometheus
// recorder the agent command installs (compare the two for its cost).
func BenchmarkCacheHitWithMetrics(b *testing.B) {
	e := newTestEnv(b, func(c *Config) {
		c.Now = time.Now
		c.Metrics = metrics.New().Agent()
	})
	tok := benchToken(e)
	if w := e.get(tok); w.Code != 200 {
		b.Fatalf("warm-up: %d %s", w.Code, w.Body)
	}
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
	if w.code != 200 {
		b.Fatalf("status %d", w.code)
	}
}
