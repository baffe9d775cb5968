package app_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// TestMetrics scrapes /metrics after a scripted set of requests and checks
// names and values with the Prometheus text parser.
func TestMetrics(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) { c.MetricsOnEdge = true }})
	userOne := apptest.KeyCreds(s.Key(t, "UserOne"))
	s.MustAWS(t, userOne, "sts", "get-caller-identity")
	s.MustAWS(t, userOne, "sts", "get-caller-identity")
	if _, _, err := s.AWS(t, userOne, "iam", "list-roles"); err == nil {
		t.Fatal("UserOne may not list roles")
	}
	s.MustAWS(t, userOne, "eks", "list-clusters")

	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		f, ok := families[name]
		if !ok {
			t.Fatalf("metric %s missing", name)
		}
		total := 0.0
	next:
		for _, m := range f.Metric {
			for k, v := range labels {
				found := false
				for _, lp := range m.Label {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				total += m.Counter.GetValue()
			case m.Histogram != nil:
				total += float64(m.Histogram.GetSampleCount())
			}
		}
		return total
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "sts", "action": "GetCallerIdentity", "code": ""}); v != 2 {
		t.Errorf("GetCallerIdentity requests = %v, want 2", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "iam", "action": "ListRoles", "code": "AccessDenied"}); v != 1 {
		t.Errorf("denied ListRoles = %v, want 1", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "eks"}); v != 1 {
		t.Errorf("eks requests = %v, want 1", v)
	}
	if v := value("trustbridge_request_duration_seconds", map[string]string{"service": "sts"}); v != 2 {
		t.Errorf("sts latency samples = %v, want 2", v)
	}
	if v := value("trustbridge_authorization_decisions_total", map[string]string{"decision": "ImplicitlyDenied"}); v != 1 {
		t.Errorf("implicit denials = %v, want 1", v)
	}
	if v := value("trustbridge_authorization_decisions_total", map[string]string{"decision": "Allowed"}); v < 1 {
		t.Errorf("allowed decisions = %v", v)
	}
	for _, name := range []string{"trustbridge_oidc_jwks_fetches_total", "trustbridge_oidc_token_cache_hits_total", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := families[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	for name := range families {
		if !model.LegacyValidation.IsValidMetricName(name) {
			t.Errorf("invalid metric name %s", name)
		}
	}
}
