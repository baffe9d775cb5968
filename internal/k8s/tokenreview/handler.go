package tokenreview

import (
	"encoding/json"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/k8s/webhook"

	authnv1 "k8s.io/api/authentication/v1"
)

// API versions of TokenReview the handler accepts. v1beta1 has the same
// JSON shape as v1; the reply carries the request's apiVersion.
const (
	APIVersionV1      = "authentication.k8s.io/v1"
	APIVersionV1beta1 = "authentication.k8s.io/v1beta1"
)

// DefaultMaxBodyBytes bounds a TokenReview request body. A token is at
// most 4 KiB; the rest is a few hundred bytes of JSON.
const DefaultMaxBodyBytes = 64 << 10

// A Handler serves the apiserver's webhook token authentication
// (POST /authenticate with a TokenReview). It answers HTTP 200 with
// status.authenticated true and the user, or false with status.error
// holding the rejection reason (the apiserver logs it; kubectl sees only
// "Unauthorized"). Malformed requests get 400, other methods 405.
type Handler struct {
	// Authenticator does the work. Required.
	Authenticator *Authenticator
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
	var in authnv1.TokenReview
	if !webhook.DecodeReview(w, r, limit, "TokenReview", &in) {
		return
	}
	if in.APIVersion != APIVersionV1 && in.APIVersion != APIVersionV1beta1 || in.Kind != "TokenReview" {
		http.Error(w, "expected kind TokenReview in authentication.k8s.io/v1 or v1beta1", http.StatusBadRequest)
		return
	}
	cluster, err := h.Cluster(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	out := authnv1.TokenReview{TypeMeta: in.TypeMeta}
	u, err := h.Authenticator.Authenticate(r.Context(), cluster, in.Spec.Token)
	if err != nil {
		out.Status.Error = "trustbridge: " + err.Error()
	} else {
		out.Status.Authenticated = true
		out.Status.User = authnv1.UserInfo{Username: u.Username, UID: u.UID, Groups: u.Groups}
		if len(u.Extra) > 0 {
			out.Status.User.Extra = make(map[string]authnv1.ExtraValue, len(u.Extra))
			for k, v := range u.Extra {
				out.Status.User.Extra[k] = v
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&out)
}
