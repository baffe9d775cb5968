package webhook

import (
	"errors"
	"net/http"

	"github.com/go-json-experiment/json"
)

// DecodeReview reads the JSON review object (TokenReview,
// SubjectAccessReview, …) the API server POSTs to a webhook into v. The
// body is read with ReadBody's bound, limit. On any failure DecodeReview
// has answered the request — 405 for another method, 413 for a body over
// limit, 400 for a body that is not JSON of the review (the message names
// kind) — and returns false; the caller then returns without writing.
// It does not check apiVersion and kind: callers know which they accept.
//
// The JSON is decoded with encoding/json/v2's semantics (the
// go-json-experiment module mirrors it until Go 1.27 ships it): member
// names match v's field names exactly, as the API server writes them, and
// a body with a duplicated member name or invalid UTF-8 is rejected rather
// than guessed at. Unknown members are ignored.
func DecodeReview(w http.ResponseWriter, r *http.Request, limit int64, kind string, v any) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	body, err := ReadBody(r, limit)
	if errors.Is(err, ErrBodyTooLarge) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return false
	}
	if err != nil {
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		http.Error(w, "request body is not a "+kind, http.StatusBadRequest)
		return false
	}
	return true
}

// WriteReview answers a review with v as JSON (HTTP 200,
// application/json), map keys in sorted order, ending in a newline.
func WriteReview(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if json.MarshalWrite(w, v, json.Deterministic(true)) == nil {
		_, _ = w.Write(newline)
	}
}

var newline = []byte{'\n'}

// FixedCluster names one cluster for every request: a handler serving one
// cluster on its path.
func FixedCluster(name string) func(*http.Request) (string, error) {
	return func(*http.Request) (string, error) { return name, nil }
}

// ClusterFromPath takes the cluster name from a net/http ServeMux path
// wildcard, as in "POST /clusters/{cluster}/authenticate".
func ClusterFromPath(wildcard string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		if c := r.PathValue(wildcard); c != "" {
			return c, nil
		}
		return "", errors.New("no cluster in the request path")
	}
}
