package metrics

import (
	"net/http"
	"sort"
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

// Info describes one trustbridge metric family: the single source of its
// name, type, labels and help, used both to build the collectors and to
// document them (Catalog).
type Info struct {
	Name string
	// Type is "counter" or "histogram".
	Type   string
	Labels []string
	Help   string
	// Where names the component that counts it ("edge", "webhooks",
	// "agent", "store").
	Where string
}

// The metric families. A process that assembles a server (serve, up)
// exports the edge, store and webhook families on its /metrics; the agent
// exports the agent families on its own.
var (
	RequestsInfo = Info{"trustbridge_requests_total", "counter", []string{"service", "action", "code"},
		"AWS API requests served by the edge, by service, action and error code (empty on success).", "edge"}
	LatencyInfo = Info{"trustbridge_request_duration_seconds", "histogram", []string{"service", "action"},
		"Edge request latency by service and action.", "edge"}
	DecisionsInfo = Info{"trustbridge_authorization_decisions_total", "counter", []string{"decision"},
		"Policy engine decisions by outcome (Allowed, ExplicitlyDenied, ImplicitlyDenied).", "edge"}
	StoreLatencyInfo = Info{"trustbridge_store_operation_duration_seconds", "histogram", []string{"operation"},
		"Store operation latency by operation (the store.Store method: GetRole, Tx, ...).", "store"}
	OIDCTokenCacheHitsInfo = Info{"trustbridge_oidc_token_cache_hits_total", "counter", nil,
		"Web identity tokens answered from the verified-token cache.", "edge"}
	OIDCTokenCacheMissesInfo = Info{"trustbridge_oidc_token_cache_misses_total", "counter", nil,
		"Web identity tokens verified with the issuer's keys.", "edge"}
	OIDCFetchesInfo = Info{"trustbridge_oidc_jwks_fetches_total", "counter", nil,
		"OIDC discovery and JWKS fetches.", "edge"}
	OIDCFetchFailuresInfo = Info{"trustbridge_oidc_jwks_fetch_failures_total", "counter", nil,
		"Failed OIDC discovery and JWKS fetches.", "edge"}
	AdmissionReviewsInfo = Info{"trustbridge_admission_reviews_total", "counter", []string{"result"},
		"Pod admission reviews by result (mutated, unchanged, denied, error).", "webhooks"}
	TokenReviewsInfo = Info{"trustbridge_token_reviews_total", "counter", []string{"result"},
		"Kubernetes TokenReviews by result (authenticated, rejected_<reason>).", "webhooks"}
	AccessReviewsInfo = Info{"trustbridge_access_reviews_total", "counter", []string{"result"},
		"Kubernetes SubjectAccessReviews by result (allowed, no_opinion, error).", "webhooks"}
	AgentCacheInfo = Info{"trustbridge_agent_credential_cache_total", "counter", []string{"result"},
		"Pod Identity agent credential cache lookups by result (hit, miss).", "agent"}
	AgentRequestsInfo = Info{"trustbridge_agent_requests_total", "counter", []string{"code"},
		"Pod Identity agent credential requests by error code (empty on success).", "agent"}
	AgentUpstreamInfo = Info{"trustbridge_agent_upstream_duration_seconds", "histogram", []string{"code"},
		"Pod Identity agent calls to EKS Auth by error code (empty on success).", "agent"}
)

// Catalog returns every trustbridge metric family, ordered by name. The Go
// runtime (go_*) and process (process_*) collectors' families come on top.
func Catalog() []Info {
	out := []Info{RequestsInfo, LatencyInfo, DecisionsInfo, StoreLatencyInfo,
		OIDCTokenCacheHitsInfo, OIDCTokenCacheMissesInfo, OIDCFetchesInfo, OIDCFetchFailuresInfo,
		AdmissionReviewsInfo, TokenReviewsInfo, AccessReviewsInfo, AgentCacheInfo, AgentRequestsInfo, AgentUpstreamInfo}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func counterVec(i Info) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: i.Name, Help: i.Help}, i.Labels)
}

func histogramVec(i Info, buckets []float64) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: i.Name, Help: i.Help, Buckets: buckets}, i.Labels)
}

// New returns a Metrics with every collector registered, plus the Go and
// process collectors.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.Requests = counterVec(RequestsInfo)
	m.Latency = histogramVec(LatencyInfo, []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1})
	m.Decisions = counterVec(DecisionsInfo)
	m.AdmissionReviews = counterVec(AdmissionReviewsInfo)
	m.TokenReviews = counterVec(TokenReviewsInfo)
	m.AccessReviews = counterVec(AccessReviewsInfo)
	m.AgentCache = counterVec(AgentCacheInfo)
	m.AgentRequests = counterVec(AgentRequestsInfo)
	m.AgentUpstream = histogramVec(AgentUpstreamInfo, []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10})
	m.StoreLatency = histogramVec(StoreLatencyInfo, []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, 1})
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
// verifier). i must be a label-less counter of the Catalog.
func (m *Metrics) CounterFunc(i Info, f func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: i.Name, Help: i.Help}, f))
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
