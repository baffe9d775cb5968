package accesspolicy_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
)

// FuzzHandler feeds arbitrary bodies to the SubjectAccessReview handler:
// it must never panic, never answer denied, and only allow requests of
// users that carry the authenticator's extra.
func FuzzHandler(f *testing.F) {
	f.Add(mustJSON(sar("UserThree", userThree(f), ra("list", "default", "", "pods", "", ""), nil)))
	f.Add(`{"apiVersion":"authorization.k8s.io/v1beta1","kind":"SubjectAccessReview","spec":{"group":["g"],"nonResourceAttributes":{"path":"/","verb":"get"}}}`)
	f.Add(`{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"root-ish","extra":{"arn":["arn:aws:iam::123456789012:user/root-ish"]},"resourceAttributes":{}}}`)
	h := handler(f, awsauth.ModeAPIAndConfigMap, nil)
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			return
		}
		var out struct {
			Status struct {
				Allowed, Denied bool
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("reply not JSON: %s", rec.Body)
		}
		if out.Status.Denied {
			t.Fatal("handler denied")
		}
		if out.Status.Allowed && !strings.Contains(body, "arn") {
			t.Fatalf("allowed without extra: %s", body)
		}
	})
}
