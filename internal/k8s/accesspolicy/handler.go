package accesspolicy

import (
	"net/http"

	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
)

// API versions of SubjectAccessReview the handler accepts; the reply
// carries the request's apiVersion.
const (
	APIVersionV1      = "authorization.k8s.io/v1"
	APIVersionV1beta1 = "authorization.k8s.io/v1beta1"
)

// DefaultMaxBodyBytes bounds a SubjectAccessReview request body.
const DefaultMaxBodyBytes = 256 << 10

// sarRequest is the part of a SubjectAccessReview the handler reads. v1
// names the groups "groups", v1beta1 "group"; both are read.
type sarRequest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		ResourceAttributes *struct {
			Namespace   string `json:"namespace"`
			Verb        string `json:"verb"`
			Group       string `json:"group"`
			Version     string `json:"version"`
			Resource    string `json:"resource"`
			Subresource string `json:"subresource"`
			Name        string `json:"name"`
		} `json:"resourceAttributes"`
		NonResourceAttributes *struct {
			Path string `json:"path"`
			Verb string `json:"verb"`
		} `json:"nonResourceAttributes"`
		User      string              `json:"user"`
		Groups    []string            `json:"groups"`
		GroupBeta []string            `json:"group"`
		Extra     map[string][]string `json:"extra"`
		UID       string              `json:"uid"`
	} `json:"spec"`
}

type sarStatus struct {
	Allowed         bool   `json:"allowed"`
	Denied          bool   `json:"denied,omitzero"`
	Reason          string `json:"reason,omitempty"`
	EvaluationError string `json:"evaluationError,omitempty"`
}

type sarReply struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Status     sarStatus `json:"status"`
}

// A Handler serves the apiserver's webhook authorization (POST /authorize
// with a SubjectAccessReview, authorization.k8s.io v1 or v1beta1). It
// answers allowed true when an access policy allows the request, and
// otherwise allowed false with denied false: no opinion, so RBAC decides.
// It never sets denied.
type Handler struct {
	// Authorizer does the work. Required.
	Authorizer *Authorizer
	// Cluster names the cluster a request is for. Required; see
	// FixedCluster and ClusterFromPath.
	Cluster func(r *http.Request) (string, error)
	// MaxBodyBytes bounds the body; if zero, DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// FixedCluster serves one cluster on the handler's path.
func FixedCluster(name string) func(*http.Request) (string, error) { return webhook.FixedCluster(name) }

// ClusterFromPath takes the cluster name from a net/http ServeMux path
// wildcard, as in "POST /clusters/{cluster}/...".
func ClusterFromPath(wildcard string) func(*http.Request) (string, error) {
	return webhook.ClusterFromPath(wildcard)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	var in sarRequest
	if !webhook.DecodeReview(w, r, limit, "SubjectAccessReview", &in) {
		return
	}
	if in.APIVersion != APIVersionV1 && in.APIVersion != APIVersionV1beta1 || in.Kind != "SubjectAccessReview" {
		http.Error(w, "expected kind SubjectAccessReview in authorization.k8s.io/v1 or v1beta1", http.StatusBadRequest)
		return
	}
	s := &in.Spec
	attr := &Attributes{User: s.User, Groups: s.Groups, Extra: s.Extra, UID: s.UID}
	if in.APIVersion == APIVersionV1beta1 && attr.Groups == nil {
		attr.Groups = s.GroupBeta
	}
	switch {
	case s.ResourceAttributes != nil && s.NonResourceAttributes == nil:
		ra := s.ResourceAttributes
		attr.ResourceRequest = true
		attr.Verb, attr.Namespace, attr.APIGroup, attr.APIVersion = ra.Verb, ra.Namespace, ra.Group, ra.Version
		attr.Resource, attr.Subresource, attr.Name = ra.Resource, ra.Subresource, ra.Name
	case s.NonResourceAttributes != nil && s.ResourceAttributes == nil:
		attr.Verb, attr.Path = s.NonResourceAttributes.Verb, s.NonResourceAttributes.Path
	default:
		http.Error(w, "exactly one of resourceAttributes and nonResourceAttributes is required", http.StatusBadRequest)
		return
	}
	cluster, err := h.Cluster(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	out := sarReply{APIVersion: in.APIVersion, Kind: in.Kind}
	d := h.Authorizer.Authorize(r.Context(), cluster, attr)
	if d.Allowed {
		out.Status = sarStatus{Allowed: true, Reason: "trustbridge: " + d.Reason}
	} else if d.Err != nil {
		out.Status.EvaluationError = "trustbridge: access policy lookup failed"
	}
	webhook.WriteReview(w, &out)
}
