package tokenreview

import (
	"net/http"
	"slices"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
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

// trRequest is the part of a TokenReview (authentication.k8s.io v1 or
// v1beta1, the same shape) the handler reads.
type trRequest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Token string `json:"token"`
	} `json:"spec"`
}

// trReply is the TokenReview the handler answers, in the field order and
// with the omissions of k8s.io/api's authentication/v1 types.
type trReply struct {
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion"`
	Metadata   struct{} `json:"metadata"`
	Spec       struct{} `json:"spec"`
	Status     struct {
		Authenticated bool   `json:"authenticated,omitzero"`
		User          trUser `json:"user"`
		Error         string `json:"error,omitempty"`
	} `json:"status"`
}

// trUser is UserInfo as status.user.
type trUser struct {
	Username string   `json:"username,omitempty"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Extra    extra    `json:"extra,omitempty"`
}

// extra is status.user.extra: a JSON object with its keys in sorted order,
// written without a generic map's reflection.
type extra map[string][]string

// MarshalJSONTo implements json.MarshalerTo.
func (e extra) MarshalJSONTo(enc *jsontext.Encoder) error {
	var buf [8]string
	keys := buf[:0]
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, k := range keys {
		if err := enc.WriteToken(jsontext.String(k)); err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, v := range e[k] {
			if err := enc.WriteToken(jsontext.String(v)); err != nil {
				return err
			}
		}
		if err := enc.WriteToken(jsontext.EndArray); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

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
	var in trRequest
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
	out := trReply{Kind: in.Kind, APIVersion: in.APIVersion}
	u, err := h.Authenticator.Authenticate(r.Context(), cluster, in.Spec.Token)
	if err != nil {
		out.Status.Error = "trustbridge: " + err.Error()
	} else {
		out.Status.Authenticated = true
		out.Status.User = trUser{Username: u.Username, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
	}
	webhook.WriteReview(w, &out)
}
