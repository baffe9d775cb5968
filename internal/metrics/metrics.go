package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one process.
type Metrics struct {
	Registry *prometheus.Registry

	// Requests counts edge requests by service, action and error code ("" on success).
	Requests *prometheus.CounterVec
	// Latency observes edge request durations by service and action.
	Latency *prometheus.HistogramVec
	// Decisions counts authorization decisions by outcome
	// (Allowed, ExplicitlyDenied, ImplicitlyDenied).
	Decisions *prometheus.CounterVec
	// AdmissionReviews counts pod admission reviews by result
	// (mutated, unchanged, error, denied).
	AdmissionReviews *prometheus.CounterVec
	// TokenReviews counts cluster-access token reviews by result.
	TokenReviews *prometheus.CounterVec
	// AccessReviews counts SubjectAccessReviews by result.
	AccessReviews *prometheus.CounterVec
	// AgentCache counts agent credential cache lookups by result (hit, miss).
	AgentCache *prometheus.CounterVec
	// AgentRequests counts the agent's answered credential requests by
	// error code ("" on success).
	AgentRequests *prometheus.CounterVec
	// AgentUpstream observes the agent's EKS Auth calls by error code (""
	// on success).
	AgentUpstream *prometheus.HistogramVec
	// StoreLatency observes store operations by operation.
	StoreLatency *prometheus.HistogramVec
}

// New returns a Metrics with every collector registered, plus the Go and
// process collectors.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_requests_total", Help: "AWS API requests served by the edge, by service, action and error code (empty on success).",
	}, []string{"service", "action", "code"})
	m.Latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "trustbridge_request_duration_seconds", Help: "Edge request latency by service and action.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"service", "action"})
	m.Decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_authorization_decisions_total", Help: "Policy engine decisions by outcome.",
	}, []string{"decision"})
	m.AdmissionReviews = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_admission_reviews_total", Help: "Pod admission reviews by result.",
	}, []string{"result"})
	m.TokenReviews = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_token_reviews_total", Help: "Kubernetes TokenReviews by result.",
	}, []string{"result"})
	m.AccessReviews = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_access_reviews_total", Help: "Kubernetes SubjectAccessReviews by result.",
	}, []string{"result"})
	m.AgentCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_agent_credential_cache_total", Help: "Pod Identity agent credential cache lookups by result.",
	}, []string{"result"})
	m.AgentRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustbridge_agent_requests_total", Help: "Pod Identity agent credential requests by error code (empty on success).",
	}, []string{"code"})
	m.AgentUpstream = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "trustbridge_agent_upstream_duration_seconds", Help: "Pod Identity agent calls to EKS Auth by error code (empty on success).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"code"})
	m.StoreLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "trustbridge_store_operation_duration_seconds", Help: "Store operation latency by operation.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, 1},
	}, []string{"operation"})
	m.Registry.MustRegister(m.Requests, m.Latency, m.Decisions, m.AdmissionReviews, m.TokenReviews, m.AccessReviews, m.AgentCache, m.AgentRequests, m.AgentUpstream, m.StoreLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Record implements server.Recorder.
func (m *Metrics) Record(service, action, code string, _ int, elapsed time.Duration) {
	m.Requests.WithLabelValues(service, action, code).Inc()
	m.Latency.WithLabelValues(service, action).Observe(elapsed.Seconds())
}

// Decision counts one authorization decision.
func (m *Metrics) Decision(outcome string) {
	m.Decisions.WithLabelValues(outcome).Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// CounterFunc registers a counter whose value is read from f at scrape
// time (for components that keep their own counters, such as the OIDC
// verifier).
func (m *Metrics) CounterFunc(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// AgentRecorder feeds the Pod Identity agent's events into the agent
// metrics; it implements agent.Metrics. The hot-path series are resolved
// once, so a cache hit costs one atomic add per counter.
type AgentRecorder struct {
	m             *Metrics
	hit, miss, ok prometheus.Counter
}

// Agent returns the recorder to set as agent.Config.Metrics.
func (m *Metrics) Agent() *AgentRecorder {
	return &AgentRecorder{
		m:    m,
		hit:  m.AgentCache.WithLabelValues("hit"),
		miss: m.AgentCache.WithLabelValues("miss"),
		ok:   m.AgentRequests.WithLabelValues(""),
	}
}

// CacheLookup counts one cache lookup.
func (r *AgentRecorder) CacheLookup(hit bool) {
	if hit {
		r.hit.Inc()
	} else {
		r.miss.Inc()
	}
}

// Request counts one answered request; code is "" on success.
func (r *AgentRecorder) Request(_ int, code string) {
	if code == "" {
		r.ok.Inc()
		return
	}
	r.m.AgentRequests.WithLabelValues(code).Inc()
}

// Upstream observes one EKS Auth call.
func (r *AgentRecorder) Upstream(code string, elapsed time.Duration) {
	r.m.AgentUpstream.WithLabelValues(code).Observe(elapsed.Seconds())
}
