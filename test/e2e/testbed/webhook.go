package testbed

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
)

// maxReviewBody bounds a review request body; real ones are a few KB.
const maxReviewBody = 1 << 20

// A TokenReviewWebhook is a minimal HTTPS authentication webhook (the
// TokenReview protocol, authentication.k8s.io/v1) that accepts a fixed set
// of bearer tokens. It stands in for trustbridge's cluster-access webhook
// where a test needs a known-good authenticator, and shows the wiring the
// real one uses: pass Webhook() as Options.AuthenticationWebhook.
type TokenReviewWebhook struct {
	// Server is the running TLS server; its certificate is issued by CA
	// for 127.0.0.1.
	Server *httptest.Server
	CA     *CA

	users map[string]authenticationv1.UserInfo
	calls atomic.Int64
}

// NewTokenReviewWebhook starts a TokenReview webhook on 127.0.0.1 that
// authenticates each token in users as its UserInfo and rejects every
// other token. Tokens are compared in constant time. The server is closed
// when the test ends.
func NewTokenReviewWebhook(t testing.TB, users map[string]authenticationv1.UserInfo) *TokenReviewWebhook {
	t.Helper()
	w := &TokenReviewWebhook{users: users}
	w.Server, w.CA = startTLSServer(t, http.HandlerFunc(w.serve))
	return w
}

// Webhook returns the apiserver-side configuration for this server
// (URL path /authenticate).
func (w *TokenReviewWebhook) Webhook() *Webhook {
	return &Webhook{URL: w.Server.URL + "/authenticate", CAPEM: w.CA.CertPEM}
}

// Calls reports how many TokenReview requests the server has answered.
func (w *TokenReviewWebhook) Calls() int { return int(w.calls.Load()) }

func (w *TokenReviewWebhook) serve(rw http.ResponseWriter, r *http.Request) {
	var review authenticationv1.TokenReview
	if !decodeReview(rw, r, &review) {
		return
	}
	w.calls.Add(1)
	status := authenticationv1.TokenReviewStatus{}
	for token, user := range w.users {
		if subtle.ConstantTimeCompare([]byte(token), []byte(review.Spec.Token)) == 1 {
			status.Authenticated = true
			status.User = user
			// Echo the requested audiences: the apiserver drops a
			// response whose audiences do not intersect its own.
			status.Audiences = review.Spec.Audiences
		}
	}
	if !status.Authenticated {
		status.Error = "unknown token"
	}
	writeReview(rw, &authenticationv1.TokenReview{
		TypeMeta: review.TypeMeta,
		Status:   status,
	})
}

// A SubjectAccessReviewWebhook is a minimal HTTPS authorization webhook
// (the SubjectAccessReview protocol, authorization.k8s.io/v1) whose
// decisions come from a function. Pass Webhook() as
// Options.AuthorizationWebhook.
type SubjectAccessReviewWebhook struct {
	Server *httptest.Server
	CA     *CA

	decide func(authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus
	calls  atomic.Int64
}

// NewSubjectAccessReviewWebhook starts an authorization webhook on
// 127.0.0.1 answering each review with decide's status. A status with
// neither Allowed nor Denied set means "no opinion": the apiserver then
// falls through to its next authorizer. The server is closed when the test
// ends. decide may be called concurrently.
func NewSubjectAccessReviewWebhook(t testing.TB, decide func(authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus) *SubjectAccessReviewWebhook {
	t.Helper()
	w := &SubjectAccessReviewWebhook{decide: decide}
	w.Server, w.CA = startTLSServer(t, http.HandlerFunc(w.serve))
	return w
}

// Webhook returns the apiserver-side configuration for this server
// (URL path /authorize).
func (w *SubjectAccessReviewWebhook) Webhook() *Webhook {
	return &Webhook{URL: w.Server.URL + "/authorize", CAPEM: w.CA.CertPEM}
}

// Calls reports how many SubjectAccessReview requests the server has
// answered.
func (w *SubjectAccessReviewWebhook) Calls() int { return int(w.calls.Load()) }

func (w *SubjectAccessReviewWebhook) serve(rw http.ResponseWriter, r *http.Request) {
	var review authorizationv1.SubjectAccessReview
	if !decodeReview(rw, r, &review) {
		return
	}
	w.calls.Add(1)
	writeReview(rw, &authorizationv1.SubjectAccessReview{
		TypeMeta: review.TypeMeta,
		Status:   w.decide(review.Spec),
	})
}

// startTLSServer serves h over TLS on 127.0.0.1 with a certificate from a
// fresh CA and closes it when the test ends.
func startTLSServer(t testing.TB, h http.Handler) (*httptest.Server, *CA) {
	t.Helper()
	ca, err := NewCA("testbed-webhook-ca")
	if err != nil {
		t.Fatalf("webhook CA: %v", err)
	}
	tlsConfig, err := ca.ServingTLSConfig("127.0.0.1", "localhost")
	if err != nil {
		t.Fatalf("webhook serving certificate: %v", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = tlsConfig
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, ca
}

func decodeReview(rw http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, maxReviewBody)).Decode(v); err != nil {
		http.Error(rw, "malformed review", http.StatusBadRequest)
		return false
	}
	return true
}

func writeReview(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(v) // the client went away; nothing to do
}
