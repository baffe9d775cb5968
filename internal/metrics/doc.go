// Package metrics defines trustbridge's Prometheus metrics and serves them
// on /metrics: edge requests by service, action and error code, their
// latency, policy decisions by outcome, OIDC fetches and cache hits,
// admission, token and access reviews by result, store operation latency
// (through timedstore), and the Pod Identity agent's cache, requests and
// EKS Auth calls (through AgentRecorder). Names follow Prometheus
// conventions (trustbridge_..._total for counters, _seconds for
// durations).
//
// It must never put identities, tokens, keys, ARNs, names or any other
// unbounded or secret value in a label: labels carry only service, action,
// operation, error code, outcome and result names from fixed sets.
package metrics
