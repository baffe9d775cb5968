package metrics_test

import (
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// TestCatalogMatchesCollectors checks that every catalogued family is
// exported with its type, help and labels, and that nothing named
// trustbridge_* is exported without a catalog entry.
func TestCatalogMatchesCollectors(t *testing.T) {
	m := metrics.New()
	for _, i := range metrics.Catalog() {
		if i.Type == "counter" && len(i.Labels) == 0 {
			m.CounterFunc(i, func() float64 { return 1 })
		}
	}
	// One series per vector, so the vectors show up in Gather.
	one := func(n int) []string { return make([]string, n) }
	for _, c := range []*prometheus.CounterVec{m.Requests, m.Decisions, m.AdmissionReviews, m.TokenReviews, m.AccessReviews, m.AgentCache, m.AgentRequests} {
		c.WithLabelValues(one(labelCount(t, c.GetMetricWithLabelValues))...).Inc()
	}
	for _, h := range []*prometheus.HistogramVec{m.Latency, m.StoreLatency, m.AgentUpstream} {
		h.WithLabelValues(one(labelCount(t, h.GetMetricWithLabelValues))...).Observe(1)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "trustbridge_") {
			got[f.GetName()] = f
		}
	}
	for _, i := range metrics.Catalog() {
		f, ok := got[i.Name]
		if !ok {
			t.Errorf("%s is catalogued but not exported", i.Name)
			continue
		}
		delete(got, i.Name)
		if strings.ToLower(f.GetType().String()) != i.Type || f.GetHelp() != i.Help {
			t.Errorf("%s: exported as %s %q, catalogued as %s %q", i.Name, f.GetType(), f.GetHelp(), i.Type, i.Help)
		}
		var labels []string
		for _, lp := range f.Metric[0].Label {
			labels = append(labels, lp.GetName())
		}
		sort.Strings(labels)
		want := append([]string(nil), i.Labels...)
		sort.Strings(want)
		if fmt.Sprint(labels) != fmt.Sprint(want) {
			t.Errorf("%s: labels %v, catalogued %v", i.Name, labels, want)
		}
		suffix := map[string]string{"counter": "_total", "histogram": "_seconds"}[i.Type]
		if !strings.HasSuffix(i.Name, suffix) {
			t.Errorf("%s: a %s's name ends in %s", i.Name, i.Type, suffix)
		}
	}
	for name := range got {
		t.Errorf("%s is exported but not catalogued", name)
	}
}

// labelCount finds how many labels a vector takes by trying.
func labelCount[T any](t *testing.T, get func(...string) (T, error)) int {
	for n := 0; n < 8; n++ {
		if _, err := get(make([]string, n)...); err == nil {
			return n
		}
	}
	t.Fatal("no label count fits")
	return 0
}
