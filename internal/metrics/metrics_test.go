package metrics_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trustbridge/trustbridge/internal/agent"
	"github.com/trustbridge/trustbridge/internal/metrics"
)

var _ agent.Metrics = (*metrics.AgentRecorder)(nil)

// TestAgentRecorder feeds agent events in and reads them back from the
// Prometheus text the handler serves.
func TestAgentRecorder(t *testing.T) {
	m := metrics.New()
	r := m.Agent()
	r.CacheLookup(false)
	r.CacheLookup(true)
	r.CacheLookup(true)
	r.Request(200, "")
	r.Request(200, "")
	r.Request(403, "AccessDeniedException")
	r.Upstream("", 3*time.Millisecond)
	r.Upstream("AccessDeniedException", time.Millisecond)

	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name, label, want string) float64 {
		f, ok := families[name]
		if !ok {
			t.Fatalf("%s missing", name)
		}
		for _, m := range f.Metric {
			for _, lp := range m.Label {
				if lp.GetName() == label && lp.GetValue() == want {
					if m.Histogram != nil {
						return float64(m.Histogram.GetSampleCount())
					}
					return m.Counter.GetValue()
				}
			}
		}
		return 0
	}
	for _, tc := range []struct {
		name, label, value string
		want               float64
	}{
		{"trustbridge_agent_credential_cache_total", "result", "hit", 2},
		{"trustbridge_agent_credential_cache_total", "result", "miss", 1},
		{"trustbridge_agent_requests_total", "code", "", 2},
		{"trustbridge_agent_requests_total", "code", "AccessDeniedException", 1},
		{"trustbridge_agent_upstream_duration_seconds", "code", "", 1},
		{"trustbridge_agent_upstream_duration_seconds", "code", "AccessDeniedException", 1},
	} {
		if got := value(tc.name, tc.label, tc.value); got != tc.want {
			t.Errorf("%s{%s=%q} = %v, want %v", tc.name, tc.label, tc.value, got, tc.want)
		}
	}
}

// BenchmarkAgentRecorderHit is the metrics cost of one agent cache hit
// (one lookup and one successful request).
func BenchmarkAgentRecorderHit(b *testing.B) {
	r := metrics.New().Agent()
	b.ReportAllocs()
	for b.Loop() {
		r.CacheLookup(true)
		r.Request(200, "")
	}
}
